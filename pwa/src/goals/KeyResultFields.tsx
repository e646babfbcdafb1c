// One key result in the goal form: what is measured, from where to where, by when, by which
// standard, and optional checkpoints that shape the expected pace.
import type { Cycle, Goal, KeyResultIn } from "../api/client";
import { useI18n } from "../i18n";

const STANDARDS = ["time", "quantity", "quality", "cost"] as const;
const KINDS = ["number", "percent", "currency", "milestone", "yes_no"] as const;
const MAX_MILESTONES = 24;

/** The writable part of a key result as the API returns it (derived figures dropped). */
export function keyResultIn(kr: Goal["key_results"][number]): KeyResultIn {
  const { id, title, metric_kind, start_value, target_value, unit, direction, due_on, weight, standards, milestones } = kr;
  return { id, title, metric_kind, start_value, target_value, unit, direction, due_on, weight, standards, milestones };
}

export function blankKeyResult(cycle: Cycle, weight: number): KeyResultIn {
  return { title: "", metric_kind: "number", start_value: "0", target_value: "", unit: "", direction: "increase", due_on: cycle.ends_on, weight, standards: [], milestones: [] };
}

/** Done-or-not results run from 0 to 1; for numbers a target below the start means the
 * figure should go down (costs, defects). */
export function withDirection(kr: KeyResultIn): KeyResultIn {
  if (kr.metric_kind === "milestone" || kr.metric_kind === "yes_no") {
    return { ...kr, start_value: "0", target_value: "1", direction: "increase" };
  }
  return { ...kr, direction: Number(kr.target_value) < Number(kr.start_value) ? "decrease" : "increase" };
}

export function KeyResultFields({
  kr,
  index,
  cycle,
  showWeight,
  onChange,
  onRemove,
}: {
  kr: KeyResultIn;
  index: number;
  cycle: Cycle;
  showWeight: boolean;
  onChange: (kr: KeyResultIn) => void;
  onRemove?: () => void;
}) {
  const { t } = useI18n();
  const set = (name: keyof KeyResultIn) => (e: Event) => onChange({ ...kr, [name]: (e.currentTarget as HTMLInputElement).value });
  const standards = kr.standards ?? [];
  const milestones = kr.milestones ?? [];
  const toggleStandard = (standard: (typeof STANDARDS)[number]) =>
    onChange({ ...kr, standards: standards.includes(standard) ? standards.filter((s) => s !== standard) : [...standards, standard] });
  const setMilestone = (i: number, name: "due_on" | "expected_value", value: string) =>
    onChange({ ...kr, milestones: milestones.map((ms, j) => (j === i ? { ...ms, [name]: value } : ms)) });
  const binary = kr.metric_kind === "milestone" || kr.metric_kind === "yes_no";

  return (
    <fieldset class="stack" data-testid="kr-fields">
      <legend>{t((m) => m.goals.krNumber, { number: index + 1 })}</legend>
      <input aria-label={t((m) => m.goals.krTitle)} placeholder={t((m) => m.goals.krTitle)} required maxLength={300} value={kr.title} onInput={set("title")} data-testid="kr-title" />
      <label>
        {t((m) => m.goals.krKind)}
        <select value={kr.metric_kind} onChange={set("metric_kind")}>
          {KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {t((m) => m.metricKind[kind])}
            </option>
          ))}
        </select>
      </label>
      {!binary && (
        <div class="grid3">
          <label>
            {t((m) => m.goals.krStart)}
            <input inputMode="decimal" required value={kr.start_value} onInput={set("start_value")} />
          </label>
          <label>
            {t((m) => m.goals.krTarget)}
            <input inputMode="decimal" required value={kr.target_value} onInput={set("target_value")} data-testid="kr-target" />
          </label>
          <label>
            {t((m) => m.goals.krUnit)}
            <input maxLength={20} value={kr.unit} onInput={set("unit")} />
          </label>
        </div>
      )}
      <div class="grid3">
        <label>
          {t((m) => m.goals.krDue)}
          <input type="date" required min={cycle.starts_on} max={cycle.ends_on} value={kr.due_on} onInput={set("due_on")} />
        </label>
        {showWeight && (
          <label>
            {t((m) => m.goals.krWeight)}
            <input inputMode="numeric" required value={kr.weight} onInput={(e) => onChange({ ...kr, weight: Number(e.currentTarget.value) })} data-testid="kr-weight" />
          </label>
        )}
      </div>
      <span class="label">{t((m) => m.goals.standards)}</span>
      <div class="chips">
        {STANDARDS.map((standard) => (
          <label key={standard} class="check">
            <input type="checkbox" checked={standards.includes(standard)} onChange={() => toggleStandard(standard)} />
            {t((m) => m.standard[standard])}
          </label>
        ))}
      </div>
      {!binary && (
        <details open={milestones.length > 0}>
          <summary>{t((m) => m.goals.checkpoints)}</summary>
          <p class="muted">{t((m) => m.goals.checkpointsHint)}</p>
          {milestones.map((ms, i) => (
            <div class="inline-form" key={i}>
              <input type="date" aria-label={t((m) => m.goals.krDue)} required min={cycle.starts_on} max={kr.due_on} value={ms.due_on} onInput={(e) => setMilestone(i, "due_on", e.currentTarget.value)} />
              <input inputMode="decimal" aria-label={t((m) => m.goals.checkpointValue)} placeholder={t((m) => m.goals.checkpointValue)} required value={ms.expected_value} onInput={(e) => setMilestone(i, "expected_value", e.currentTarget.value)} />
              <button type="button" class="quiet" onClick={() => onChange({ ...kr, milestones: milestones.filter((_, j) => j !== i) })}>
                {t((m) => m.goals.remove)}
              </button>
            </div>
          ))}
          {milestones.length < MAX_MILESTONES && (
            <button type="button" class="quiet" onClick={() => onChange({ ...kr, milestones: [...milestones, { due_on: kr.due_on, expected_value: "" }] })}>
              {t((m) => m.goals.addCheckpoint)}
            </button>
          )}
        </details>
      )}
      {onRemove && (
        <button type="button" class="quiet" onClick={onRemove}>
          {t((m) => m.goals.removeKr)}
        </button>
      )}
    </fieldset>
  );
}
