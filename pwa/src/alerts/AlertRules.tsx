// HR's alert rules: the company's thresholds and those of the departments in their scope.
// Goal rules (such as a quality limit) are listed here too; the API sets them per goal.
import { useEffect, useState } from "preact/hooks";
import type { AlertRule, Department } from "../api/client";
import { failure } from "../goals/parts";
import { useI18n } from "../i18n";
import { authorized } from "../session";

type Kind = AlertRule["kind"];
const DEPARTMENT_KINDS: Kind[] = ["kr_behind", "milestone_overdue", "checkin_overdue", "no_recognition"];

export function AlertRules() {
  const { t } = useI18n();
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const load = () => authorized<AlertRule[]>("/api/alert-rules").then(setRules, (e) => setNote(failure(t, e)));
  useEffect(() => {
    void load();
    authorized<Department[]>("/api/org/departments").then(setDepartments, () => undefined);
  }, []);

  async function run(request: () => Promise<unknown>) {
    try {
      await request();
      setNote(t((m) => m.alertRules.saved));
      await load();
    } catch (e) {
      setNote(failure(t, e));
    }
  }

  return (
    <main class="screen" data-testid="alert-rules">
      <h1>{t((m) => m.alerts.rulesTitle)}</h1>
      <p class="muted">{t((m) => m.alertRules.intro)}</p>
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
      <NewRule departments={departments} run={run} />
    </main>
  );
}

function scopeName(t: ReturnType<typeof useI18n>["t"], rule: AlertRule): string {
  const name = rule.department_name ?? rule.goal_title ?? "";
  return t((m) => m.alertRules.scope[rule.scope], { name });
}

function RuleRow({ rule, run }: { rule: AlertRule; run: (request: () => Promise<unknown>) => Promise<void> }) {
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

function NewRule({ departments, run }: { departments: Department[]; run: (request: () => Promise<unknown>) => Promise<void> }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<Kind>("kr_behind");
  const [department, setDepartment] = useState("");
  const [threshold, setThreshold] = useState("");
  if (departments.length === 0) return null;
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() =>
          authorized("/api/alert-rules", {
            method: "POST",
            body: JSON.stringify({ kind, scope: "department", department_id: department, threshold }),
          }),
        );
      }}
    >
      <h2>{t((m) => m.alertRules.add)}</h2>
      <label>
        {t((m) => m.alertRules.kind)}
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
          {DEPARTMENT_KINDS.map((k) => (
            <option key={k} value={k}>
              {t((m) => m.alerts.kind[k])}
            </option>
          ))}
        </select>
      </label>
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
      <label>
        {t((m) => m.alertRules.threshold)}
        <input type="number" min={0} step="any" required value={threshold} onInput={(e) => setThreshold(e.currentTarget.value)} />
      </label>
      <button class="primary wide">{t((m) => m.alertRules.create)}</button>
    </form>
  );
}
