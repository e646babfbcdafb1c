// HR's alert rules: the company's thresholds and those of the departments in their scope
// (this screen, under the open alerts by department), and one goal's own rules, such as a
// quality limit (on the goal's page).
import { useEffect, useState } from "preact/hooks";
import type { AlertRule, Department } from "../api/client";
import { failure } from "../goals/parts";
import { useI18n } from "../i18n";
import { authorized } from "../session";
import { OpenByDepartment } from "./OpenByDepartment";

type Kind = AlertRule["kind"];
const DEPARTMENT_KINDS: Kind[] = ["kr_behind", "milestone_overdue", "checkin_overdue", "no_recognition"];
const GOAL_KINDS: Kind[] = ["quality_threshold", "kr_behind", "milestone_overdue"];

/** Saves, then reloads the rules; says how it went. */
function useRules(filter: (rule: AlertRule) => boolean) {
  const { t } = useI18n();
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const load = () => authorized<AlertRule[]>("/api/alert-rules").then((all) => setRules(all.filter(filter)), (e) => setNote(failure(t, e)));
  useEffect(() => void load(), []);
  async function run(request: () => Promise<unknown>) {
    try {
      await request();
      setNote(t((m) => m.alertRules.saved));
      await load();
    } catch (e) {
      setNote(failure(t, e));
    }
  }
  return { rules, note, run };
}

export function AlertRules({ online }: { online: boolean }) {
  const { t } = useI18n();
  const { rules, note, run } = useRules(() => true);
  const [departments, setDepartments] = useState<Department[]>([]);
  useEffect(() => {
    authorized<Department[]>("/api/org/departments").then(setDepartments, () => undefined);
  }, []);
  return (
    <main class="screen" data-testid="alert-rules">
      <h1>{t((m) => m.alerts.rulesTitle)}</h1>
      <OpenByDepartment online={online} />
      <p class="muted">{t((m) => m.alertRules.intro)}</p>
      <RuleList rules={rules} note={note} run={run} />
      {departments.length > 0 && (
        <NewRule kinds={DEPARTMENT_KINDS} title={t((m) => m.alertRules.add)} run={run} target={(department) => ({ scope: "department", department_id: department })}>
          {(department, setDepartment) => (
            <label>
              {t((m) => m.alertRules.department)}
              <select required value={department} onChange={(e) => setDepartment(e.currentTarget.value)}>
                <option value="" />
                {departments.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </NewRule>
      )}
    </main>
  );
}

/** On a goal's page, for HR: the goal's own rules (a quality limit, a stricter pace). */
export function GoalAlertRules({ goalId }: { goalId: string }) {
  const { t } = useI18n();
  const { rules, note, run } = useRules((rule) => rule.goal_id === goalId);
  return (
    <section data-testid="goal-alert-rules">
      <h2>{t((m) => m.alertRules.goalTitle)}</h2>
      <p class="muted">{t((m) => m.alertRules.goalIntro)}</p>
      <RuleList rules={rules} note={note} run={run} />
      <NewRule kinds={GOAL_KINDS} title={t((m) => m.alertRules.addForGoal)} run={run} target={() => ({ scope: "goal", goal_id: goalId })} />
    </section>
  );
}

function RuleList({ rules, note, run }: { rules: AlertRule[] | null; note: string | null; run: Run }) {
  return (
    <>
      {note && (
        <p class="notice" role="status" data-testid="rules-note">
          {note}
        </p>
      )}
      <ul class="list">
        {rules?.map((rule) => (
          <RuleRow key={rule.id} rule={rule} run={run} />
        ))}
      </ul>
    </>
  );
}

type Run = (request: () => Promise<unknown>) => Promise<void>;

function scopeName(t: ReturnType<typeof useI18n>["t"], rule: AlertRule): string {
  const name = rule.department_name ?? rule.goal_title ?? "";
  return t((m) => m.alertRules.scope[rule.scope], { name });
}

function RuleRow({ rule, run }: { rule: AlertRule; run: Run }) {
  const { t } = useI18n();
  const [threshold, setThreshold] = useState(String(Number(rule.threshold)));
  const [enabled, setEnabled] = useState(rule.enabled);
  const save = () =>
    run(() => authorized(`/api/alert-rules/${rule.id}`, { method: "PATCH", body: JSON.stringify({ threshold, enabled }) }));
  return (
    <li class="card" data-testid={`rule-${rule.kind}-${rule.scope}`}>
      <strong>{t((m) => m.alerts.kind[rule.kind])}</strong>
      <span class="muted">{scopeName(t, rule)}</span>
      <div class="row">
        <label>
          {t((m) => m.alertRules.unit[rule.unit as keyof typeof m.alertRules.unit])}
          <input type="number" min={rule.unit === "value" ? undefined : 0} step="any" value={threshold} disabled={!rule.editable} data-testid="rule-threshold" onInput={(e) => setThreshold(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={enabled} disabled={!rule.editable} data-testid="rule-enabled" onChange={(e) => setEnabled(e.currentTarget.checked)} />
          {t((m) => m.alertRules.enabled)}
        </label>
      </div>
      {rule.editable && (
        <div class="actions">
          <button class="secondary" data-testid="rule-save" onClick={() => void save()}>
            {t((m) => m.alertRules.save)}
          </button>
          {rule.scope !== "company" && (
            <button class="quiet" onClick={() => void run(() => authorized(`/api/alert-rules/${rule.id}`, { method: "DELETE" }))}>
              {t((m) => m.alertRules.remove)}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/** A new rule of one of `kinds`; `children` picks the place (a department), if any. */
function NewRule(props: {
  kinds: Kind[];
  title: string;
  run: Run;
  target: (place: string) => object;
  children?: (place: string, setPlace: (place: string) => void) => preact.ComponentChildren;
}) {
  const { t } = useI18n();
  const [kind, setKind] = useState<Kind>(props.kinds[0]);
  const [place, setPlace] = useState("");
  const [threshold, setThreshold] = useState("");
  return (
    <form
      class="card"
      data-testid="new-rule"
      onSubmit={(e) => {
        e.preventDefault();
        void props.run(() => authorized("/api/alert-rules", { method: "POST", body: JSON.stringify({ kind, threshold, ...props.target(place) }) }));
      }}
    >
      <h2>{props.title}</h2>
      <label>
        {t((m) => m.alertRules.kind)}
        <select value={kind} data-testid="new-rule-kind" onChange={(e) => setKind(e.currentTarget.value as Kind)}>
          {props.kinds.map((k) => (
            <option key={k} value={k}>
              {t((m) => m.alerts.kind[k])}
            </option>
          ))}
        </select>
      </label>
      {props.children?.(place, setPlace)}
      <label>
        {t((m) => m.alertRules.threshold)}
        <input type="number" step="any" required value={threshold} data-testid="new-rule-threshold" onInput={(e) => setThreshold(e.currentTarget.value)} />
      </label>
      <button class="primary wide" data-testid="new-rule-save">
        {t((m) => m.alertRules.create)}
      </button>
    </form>
  );
}
