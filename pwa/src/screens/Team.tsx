import { useEffect, useState } from "preact/hooks";
import type { GoalSummary, PersonCard, ReportRecognition, Template, TemplateAssignResult } from "../api/client";
import { failure, GoalCard } from "../goals/parts";
import { useI18n } from "../i18n";
import { authorized } from "../session";

export function Team({ open }: { open: (goalId: string) => void }) {
  const { t } = useI18n();
  const [team, setTeam] = useState<PersonCard[] | null>(null);
  const [goals, setGoals] = useState<GoalSummary[]>([]);
  const [recognition, setRecognition] = useState<Record<string, ReportRecognition["weeks"]>>({});
  const [error, setError] = useState<string | null>(null);
  const loadGoals = () => authorized<GoalSummary[]>("/api/me/team/goals").then(setGoals, (e) => setError(failure(t, e)));
  useEffect(() => {
    authorized<PersonCard[]>("/api/me/team").then(setTeam, (e) => setError(failure(t, e)));
    authorized<ReportRecognition[]>(`/api/me/team/recognition?weeks=${RECOGNITION_WEEKS}`).then(
      (list) => setRecognition(Object.fromEntries(list.map((r) => [r.person.id, r.weeks]))),
      () => setRecognition({}),
    );
    void loadGoals();
  }, []);
  const waiting = goals.filter((g) => g.awaiting_my_signature);
  return (
    <main class="screen">
      <h1>{t((m) => m.team.title)}</h1>
      {error && <p class="error">{error}</p>}
      <h2>{t((m) => m.teamGoals.waiting)}</h2>
      {waiting.length === 0 && <p class="muted">{t((m) => m.teamGoals.noneWaiting)}</p>}
      <ul class="list" data-testid="waiting-goals">
        {waiting.map((goal) => (
          <GoalCard key={goal.id} goal={goal} onOpen={open} />
        ))}
      </ul>
      <h2>{t((m) => m.teamGoals.title)}</h2>
      <ul class="list" data-testid="team-goals">
        {goals.map((goal) => (
          <GoalCard key={goal.id} goal={goal} onOpen={open} />
        ))}
      </ul>
      <h2>{t((m) => m.team.title)}</h2>
      {team?.length === 0 && <p class="muted">{t((m) => m.team.empty)}</p>}
      <ul class="list" data-testid="team-list">
        {team?.map((person) => (
          <li key={person.id} class="card">
            <strong>{person.display_name}</strong>
            <span class="muted">
              {person.title}
              {person.department_name ? ` · ${person.department_name}` : ""}
            </span>
            {recognition[person.id] && <Recognition name={person.display_name} weeks={recognition[person.id]} />}
          </li>
        ))}
      </ul>
      {team && team.length > 0 && <AssignTemplate team={team} onAssigned={loadGoals} />}
    </main>
  );
}

const RECOGNITION_WEEKS = 4;

/** The specific kudos I gave this report, this week and the weeks before (oldest first):
 * the guide asks for at least one a week, so a week without one is pointed out. */
function Recognition({ name, weeks }: { name: string; weeks: ReportRecognition["weeks"] }) {
  const { t } = useI18n();
  const thisWeek = weeks[weeks.length - 1]?.count ?? 0;
  return (
    <span class="stack" data-testid="recognition">
      <span class={thisWeek === 0 ? "notice" : "muted"}>
        {thisWeek === 0 ? t((m) => m.team.noKudosYet, { name }) : t((m) => m.team.kudosThisWeek, { count: thisWeek })}
      </span>
      <span class="chips" aria-label={t((m) => m.team.recentWeeks)}>
        {weeks.map((week) => (
          <span key={week.week_starts_on} class={`chip ${week.count === 0 ? "" : "attention"}`} title={week.week_starts_on}>
            {week.count}
          </span>
        ))}
      </span>
    </span>
  );
}

/** Hand out a template: each chosen report gets a draft copy to negotiate. */
function AssignTemplate({ team, onAssigned }: { team: PersonCard[]; onAssigned: () => void }) {
  const { t } = useI18n();
  const [templates, setTemplates] = useState<Template[]>([]);
  const [template, setTemplate] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    authorized<Template[]>("/api/goal-templates").then((list) => {
      setTemplates(list);
      setTemplate(list[0]?.id ?? "");
    }, () => undefined);
  }, []);

  async function assign(e: Event) {
    e.preventDefault();
    try {
      const result = await authorized<TemplateAssignResult>(`/api/goal-templates/${template}/assignments`, {
        method: "POST",
        body: JSON.stringify({ person_ids: chosen }),
      });
      setMessage(t((m) => m.teamGoals.assigned, { created: result.created, skipped: result.skipped }));
      setChosen([]);
      onAssigned();
    } catch (err) {
      setMessage(failure(t, err));
    }
  }

  const toggle = (id: string) => setChosen(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  return (
    <form class="stack card" onSubmit={assign} data-testid="assign-template">
      <h2>{t((m) => m.teamGoals.assign)}</h2>
      {templates.length === 0 ? (
        <p class="muted">{t((m) => m.teamGoals.noTemplates)}</p>
      ) : (
        <>
          <label>
            {t((m) => m.teamGoals.template)}
            <select value={template} onChange={(e) => setTemplate(e.currentTarget.value)}>
              {templates.map((tpl) => (
                <option key={tpl.id} value={tpl.id}>
                  {tpl.title}
                </option>
              ))}
            </select>
          </label>
          <span class="label">{t((m) => m.teamGoals.assignTo)}</span>
          {team.map((person) => (
            <label key={person.id} class="check">
              <input type="checkbox" checked={chosen.includes(person.id)} onChange={() => toggle(person.id)} />
              {person.display_name}
            </label>
          ))}
          <button class="primary" type="submit" disabled={chosen.length === 0}>
            {t((m) => m.teamGoals.assignButton)}
          </button>
        </>
      )}
      {message && (
        <p class="muted" role="status">
          {message}
        </p>
      )}
    </form>
  );
}
