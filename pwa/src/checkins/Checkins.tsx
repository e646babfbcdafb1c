// The 15-minute check-in on a phone: prepare my part ahead, hold one with a report in person
// (also offline, on site), confirm the minutes, complete actions. Writes go through the
// outbox; reading comes from the last pull, so all of it works with no network.
import { useEffect, useState } from "preact/hooks";
import type { Checkin, CheckinPrep, CheckinStatus, CheckinTemplate, Me, PersonCard } from "../api/client";
import { lazy } from "../components/lazy";
import { useI18n } from "../i18n";
import { enqueue } from "../offline/outbox";
import { PendingList, useCached } from "../offline/pending";
import { synchronize } from "../offline/sync";
import { failure } from "../goals/parts";
import { authorized } from "../session";

type Section = CheckinTemplate["sections"][number];
const CHECKIN_KINDS = ["checkin.prepare", "checkin.submit", "checkin.confirm", "action.complete"];

export function Checkins({ me, online }: { me: Me; online: boolean }) {
  const { t } = useI18n();
  const userId = me.id;
  const templates = useCached<CheckinTemplate>(userId, "checkin_templates");
  const checkins = useCached<Checkin>(userId, "checkins");
  const statuses = useCached<CheckinStatus>(userId, "checkin_status");
  const team = useCached<PersonCard>(userId, "team");
  const [view, setView] = useState<{ kind: "list" } | { kind: "prepare" } | { kind: "hold"; person: PersonCard } | { kind: "template" }>({ kind: "list" });
  const [saved, setSaved] = useState(false);
  const [published, setPublished] = useState<number | null>(null);
  const template = templates[0];
  const mine = checkins.filter((c) => c.employee.id === userId);
  const myStatus = statuses.find((s) => s.person.id === userId);
  const back = (wasSaved: boolean) => {
    setSaved(wasSaved);
    setView({ kind: "list" });
  };

  if (view.kind === "prepare" && template) {
    const open = mine.find((c) => c.state === "preparing");
    return <PrepareForm userId={userId} template={template} open={open} onDone={back} />;
  }
  if (view.kind === "template" && template) {
    const done = (made: CheckinTemplate | null) => {
      setPublished(made?.version ?? null);
      setView({ kind: "list" });
    };
    return <LazyTemplateEditor userId={userId} template={template} online={online} onDone={done} />;
  }
  if (view.kind === "hold" && template) {
    const prepared = checkins.find((c) => c.employee.id === view.person.id && c.state === "preparing");
    return <HoldCheckin me={me} person={view.person} template={template} prepared={prepared} online={online} onDone={back} />;
  }
  return (
    <main class="screen" data-testid="checkins">
      <h1>{t((m) => m.checkins.title)}</h1>
      {saved && (
        <p class="notice" role="status" data-testid="saved">
          {online ? t((m) => m.sync.savedSending) : t((m) => m.sync.savedOffline)}
        </p>
      )}
      {published !== null && (
        <p class="notice" role="status" data-testid="published">
          {t((m) => m.checkins.published, { version: published })}
        </p>
      )}
      {myStatus && <StatusLine status={myStatus} />}
      {template && (
        <button class="primary wide" onClick={() => setView({ kind: "prepare" })} data-testid="prepare">
          {t((m) => m.checkins.prepare)}
        </button>
      )}
      <PendingList userId={userId} kinds={CHECKIN_KINDS} />
      {team.length > 0 && (
        <section>
          <h2>{t((m) => m.checkins.myTeam)}</h2>
          <CadenceSelect managerId={userId} current={statuses.find((s) => s.manager?.id === userId)?.cadence} online={online} />
          <ul class="list" data-testid="checkin-team">
            {team.map((person) => {
              const status = statuses.find((s) => s.person.id === person.id);
              return (
                <li key={person.id} class="card">
                  <strong>{person.display_name}</strong>
                  {status && <StatusLine status={status} />}
                  <button class="quiet" onClick={() => setView({ kind: "hold", person })} data-testid="hold-checkin">
                    {t((m) => m.checkins.hold)}
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      {me.roles.includes("hr") && <LazyCoverage online={online} />}
      {template?.editable && (
        <button class="quiet wide" onClick={() => (setPublished(null), setView({ kind: "template" }))} data-testid="edit-template">
          {t((m) => m.checkins.editTemplate)}
        </button>
      )}
      <h2>{t((m) => m.checkins.history)}</h2>
      {checkins.length === 0 && <p class="muted">{t((m) => m.checkins.none)}</p>}
      <ul class="list" data-testid="checkin-list">
        {checkins
          .filter((c) => c.state !== "preparing")
          .map((c) => (
            <CheckinCard key={c.id} userId={userId} checkin={c} />
          ))}
      </ul>
    </main>
  );
}

const CADENCES = ["weekly", "biweekly", "monthly"] as const;

/** The team's rhythm, set by its manager (online: it changes everyone's due dates). */
function CadenceSelect({ managerId, current, online }: { managerId: string; current?: CheckinStatus["cadence"]; online: boolean }) {
  const { t } = useI18n();
  const [cadence, setCadence] = useState(current);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setCadence(current), [current]);
  async function change(value: CheckinStatus["cadence"]) {
    setError(null);
    try {
      await authorized(`/api/cadences/${managerId}`, { method: "PUT", body: JSON.stringify({ cadence: value }) });
      setCadence(value);
      // The due dates on this phone follow at once.
      await synchronize(managerId);
    } catch (e) {
      setError(failure(t, e));
    }
  }
  return (
    <label>
      {t((m) => m.checkins.rhythm)}
      <select value={cadence} disabled={!online} onChange={(e) => void change(e.currentTarget.value as CheckinStatus["cadence"])} data-testid="cadence">
        {CADENCES.map((c) => (
          <option key={c} value={c}>
            {t((m) => m.checkins.cadence[c])}
          </option>
        ))}
      </select>
      {error && <span class="error">{error}</span>}
    </label>
  );
}

function StatusLine({ status }: { status: CheckinStatus }) {
  const { t, locale } = useI18n();
  const day = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" });
  return (
    <span class={`muted status-${status.status}`} data-testid="checkin-status">
      {t((m) => m.checkins.status[status.status], { date: day.format(new Date(status.next_due_on)) })} · {t((m) => m.checkins.cadence[status.cadence])}
    </span>
  );
}

function prompt(section: Section, locale: string): string[] {
  return section.prompts.map((p) => (locale === "zh-CN" ? p.zh_cn : p.en));
}

function PrepareForm({ userId, template, open, onDone }: { userId: string; template: CheckinTemplate; open?: Checkin; onDone: (saved: boolean) => void }) {
  const { t, locale } = useI18n();
  const [answers, setAnswers] = useState<Record<string, string>>(open?.answers ?? {});
  async function submit(e: Event) {
    e.preventDefault();
    // Reuse the open preparation's id: editing it, not starting another.
    await enqueue(userId, "checkin.prepare", { checkin_id: open?.id ?? crypto.randomUUID(), template_id: template.id, answers });
    onDone(true);
  }
  return (
    <main class="screen">
      <form class="stack" onSubmit={submit} data-testid="prepare-form">
        <h1>{t((m) => m.checkins.prepareTitle)}</h1>
        <p class="muted">{t((m) => m.checkins.prepareHint)}</p>
        {template.sections.map((section) => (
          <label key={section.key}>
            <b>{t((m) => m.checkins.section[section.key])}</b>
            {prompt(section, locale).map((q) => (
              <span key={q} class="muted">
                {q}
              </span>
            ))}
            <textarea maxLength={4000} value={answers[section.key] ?? ""} onInput={(e) => setAnswers({ ...answers, [section.key]: e.currentTarget.value })} data-testid={`answer-${section.key}`} />
          </label>
        ))}
        <div class="actions">
          <button class="primary" type="submit" data-testid="prepare-save">
            {t((m) => m.goals.save)}
          </button>
          <button type="button" class="quiet" onClick={() => onDone(false)}>
            {t((m) => m.goals.cancel)}
          </button>
        </div>
      </form>
    </main>
  );
}

/** A countdown for one section; optional, started by a tap. */
function SectionTimer({ minutes }: { minutes: number }) {
  const { t } = useI18n();
  const [endsAt, setEndsAt] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (endsAt === null) return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, [endsAt]);
  if (endsAt === null) {
    return (
      <button type="button" class="chip" onClick={() => (setNow(Date.now()), setEndsAt(Date.now() + minutes * 60_000))}>
        ⏱ {t((m) => m.checkins.timer, { minutes })}
      </button>
    );
  }
  const left = Math.max(0, Math.round((endsAt - now) / 1000));
  return (
    <span class={`chip ${left === 0 ? "attention" : ""}`} role="timer">
      {Math.floor(left / 60)}:{String(left % 60).padStart(2, "0")}
    </span>
  );
}

interface ActionDraft {
  id: string;
  title: string;
  owner_id: string;
  due_on: string;
}

function HoldCheckin(props: { me: Me; person: PersonCard; template: CheckinTemplate; prepared?: Checkin; online: boolean; onDone: (saved: boolean) => void }) {
  const { me, person, template, prepared } = props;
  const { t, locale } = useI18n();
  const today = new Date().toISOString().slice(0, 10);
  const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const [minutes, setMinutes] = useState({ highlights: "", blockers: "", support: "", note: "" });
  const [actions, setActions] = useState<ActionDraft[]>([{ id: crypto.randomUUID(), title: "", owner_id: person.id, due_on: inAWeek }]);
  const [prep, setPrep] = useState<CheckinPrep | null>(null);
  useEffect(() => {
    if (props.online) authorized<CheckinPrep>(`/api/checkin-preparation?person_id=${person.id}`).then(setPrep, () => setPrep(null));
  }, [person.id]);
  const setAction = (i: number, name: keyof ActionDraft, value: string) => setActions(actions.map((a, j) => (j === i ? { ...a, [name]: value } : a)));
  const minutesField = (name: "highlights" | "blockers" | "support", testId: string) => (
    <textarea required={name === "highlights"} maxLength={4000} value={minutes[name]} onInput={(e) => setMinutes({ ...minutes, [name]: e.currentTarget.value })} data-testid={testId} />
  );

  async function submit(e: Event) {
    e.preventDefault();
    const checkinId = prepared?.id ?? crypto.randomUUID();
    await enqueue(me.id, "checkin.submit", {
      checkin_id: checkinId,
      employee_id: person.id,
      template_id: template.id,
      held_on: today,
      highlights: minutes.highlights,
      blockers: minutes.blockers,
      support: minutes.support,
      actions,
      private_note: minutes.note,
    });
    // Writing the minutes is the writer's confirmation of them; the other side confirms later.
    await enqueue(me.id, "checkin.confirm", { checkin_id: checkinId, minutes_version: 1 });
    props.onDone(true);
  }

  const sectionFields: Record<Section["key"], preact.JSX.Element> = {
    highlights: minutesField("highlights", "minutes-highlights"),
    obstacles: minutesField("blockers", "minutes-blockers"),
    next_actions: (
      <>
        {actions.map((action, i) => (
          <fieldset key={action.id} class="stack" data-testid="action">
            <legend>{t((m) => m.checkins.action, { number: i + 1 })}</legend>
            <input required maxLength={300} aria-label={t((m) => m.checkins.actionTitle)} placeholder={t((m) => m.checkins.actionTitle)} value={action.title} onInput={(e) => setAction(i, "title", e.currentTarget.value)} data-testid="action-title" />
            <div class="grid3">
              <label>
                {t((m) => m.checkins.owner)}
                <select value={action.owner_id} onChange={(e) => setAction(i, "owner_id", e.currentTarget.value)}>
                  <option value={person.id}>{person.display_name}</option>
                  <option value={me.id}>{me.display_name}</option>
                </select>
              </label>
              <label>
                {t((m) => m.checkins.due)}
                <input type="date" required min={today} value={action.due_on} onInput={(e) => setAction(i, "due_on", e.currentTarget.value)} />
              </label>
            </div>
          </fieldset>
        ))}
        {actions.length < 2 && (
          <button type="button" class="quiet" onClick={() => setActions([...actions, { id: crypto.randomUUID(), title: "", owner_id: me.id, due_on: inAWeek }])}>
            {t((m) => m.checkins.addAction)}
          </button>
        )}
        <label>
          {t((m) => m.checkins.support)}
          {minutesField("support", "minutes-support")}
        </label>
      </>
    ),
  };

  return (
    <main class="screen">
      <form class="stack" onSubmit={submit} data-testid="hold-form">
        <h1>{t((m) => m.checkins.holdTitle, { name: person.display_name })}</h1>
        {prep && <Preparation prep={prep} />}
        {template.sections.map((section) => (
          <section key={section.key} class="stack card">
            <h2>
              {t((m) => m.checkins.section[section.key])} <SectionTimer minutes={section.minutes} />
            </h2>
            {prompt(section, locale).map((q) => (
              <span key={q} class="muted">
                {q}
              </span>
            ))}
            {prepared?.answers[section.key] && (
              <blockquote data-testid="prepared-answer">
                {t((m) => m.checkins.theyPrepared, { name: person.display_name })} {prepared.answers[section.key]}
              </blockquote>
            )}
            {sectionFields[section.key]}
          </section>
        ))}
        <label>
          {t((m) => m.checkins.privateNote)}
          <textarea maxLength={4000} value={minutes.note} onInput={(e) => setMinutes({ ...minutes, note: e.currentTarget.value })} />
        </label>
        <div class="actions">
          <button class="primary" type="submit" data-testid="minutes-save">
            {t((m) => m.checkins.saveMinutes)}
          </button>
          <button type="button" class="quiet" onClick={() => props.onDone(false)}>
            {t((m) => m.goals.cancel)}
          </button>
        </div>
      </form>
    </main>
  );
}

function Preparation({ prep }: { prep: CheckinPrep }) {
  const { t } = useI18n();
  return (
    <details class="card" open data-testid="preparation">
      <summary>{t((m) => m.checkins.sinceLast)}</summary>
      {prep.key_result_changes.map((c) => (
        <span key={c.key_result_id}>
          {c.title}: {c.value_before} → {c.value_now} / {c.target_value} {c.unit} · {t((m) => m.pace[c.pace])}
        </span>
      ))}
      {prep.milestones.map((ms) => (
        <span key={`${ms.key_result_id}-${ms.due_on}`}>
          {ms.reached ? "✓" : "✗"} {ms.title} {ms.due_on}
        </span>
      ))}
      {prep.kudos_received.map((k) => (
        <span key={k.id} class="muted">
          👏 {k.author.display_name}: {k.behaviour}
        </span>
      ))}
      {prep.open_actions.map((a) => (
        <span key={a.id}>
          ☐ {a.title} ({a.owner.display_name}, {a.due_on})
        </span>
      ))}
    </details>
  );
}

function CheckinCard({ userId, checkin }: { userId: string; checkin: Checkin }) {
  const { t, locale } = useI18n();
  const [done, setDone] = useState<Record<string, boolean>>({});
  const [confirmed, setConfirmed] = useState(false);
  const amEmployee = checkin.employee.id === userId;
  const myConfirmation = amEmployee ? checkin.employee_confirmed : checkin.manager_confirmed;
  const day = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  return (
    <li class="card" data-testid="checkin">
      <strong>
        {checkin.held_on ? day.format(new Date(checkin.held_on)) : ""} · {amEmployee ? checkin.manager?.display_name : checkin.employee.display_name}
      </strong>
      <span class="chip">{t((m) => m.checkins.state[checkin.state])}</span>
      <span>{checkin.highlights}</span>
      {checkin.blockers && <span class="muted">{checkin.blockers}</span>}
      {checkin.support && <span class="muted">{t((m) => m.checkins.supportLine, { support: checkin.support })}</span>}
      {checkin.actions.map((action) => {
        const isDone = action.done_at !== null || done[action.id];
        return (
          <label key={action.id} class="check">
            <input
              type="checkbox"
              checked={isDone}
              disabled={isDone}
              onChange={() => {
                setDone({ ...done, [action.id]: true });
                void enqueue(userId, "action.complete", { action_id: action.id });
              }}
            />
            {action.title} · {action.owner.display_name} · {action.due_on}
          </label>
        );
      })}
      {checkin.state === "recorded" && !myConfirmation && !confirmed && (
        <button
          class="primary"
          onClick={() => {
            setConfirmed(true);
            void enqueue(userId, "checkin.confirm", { checkin_id: checkin.id, minutes_version: checkin.minutes_version });
          }}
          data-testid="confirm-minutes"
        >
          {t((m) => m.checkins.confirm)}
        </button>
      )}
    </li>
  );
}

/** The template editor's code is fetched only when HR opens it. */
const LazyTemplateEditor = lazy(async () => (await import("./TemplateEditor")).TemplateEditor);
const LazyCoverage = lazy(async () => (await import("./Coverage")).Coverage);
