// One form for a new goal: an individual goal on the phone, or a company objective for HR.
// It asks the four questions; the server checks them again when the goal is proposed.
import { useEffect, useState } from "preact/hooks";
import type { Cycle, Goal, GoalCreate, GoalTree, KeyResultIn, Theme } from "../api/client";
import { useI18n } from "../i18n";
import { authorized } from "../session";
import { failure } from "./parts";

const STANDARDS = ["time", "quantity", "quality", "cost"] as const;
const KINDS = ["number", "percent", "currency", "milestone", "yes_no"] as const;

function objectivesOf(tree: GoalTree): Array<{ id: string; title: string }> {
  const found: Array<{ id: string; title: string }> = [];
  const walk = (node: GoalTree["themes"][number]["objectives"][number]) => {
    if (node.goal.level !== "individual") found.push({ id: node.goal.id, title: node.goal.title });
    node.children.forEach(walk);
  };
  tree.themes.forEach((theme) => theme.objectives.forEach(walk));
  return found;
}

export function GoalForm({
  cycle,
  level,
  onCreated,
}: {
  cycle: Cycle;
  level: "individual" | "company";
  onCreated: (goal: Goal) => void;
}) {
  const { t } = useI18n();
  const [themes, setThemes] = useState<Theme[]>([]);
  const [parents, setParents] = useState<Array<{ id: string; title: string }>>([]);
  const [form, setForm] = useState({ title: "", parent: "", theme: "", weight: "", priority: "medium", support: "", public: false });
  const [kr, setKr] = useState<KeyResultIn>({
    title: "",
    metric_kind: "number",
    start_value: "0",
    target_value: "",
    unit: "",
    due_on: cycle.ends_on,
    direction: "increase",
    weight: 100,
    standards: [],
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    authorized<Theme[]>(`/api/strategy-themes?cycle_id=${cycle.id}`).then(setThemes, () => setThemes([]));
    authorized<GoalTree>(`/api/goal-cycles/${cycle.id}/tree`).then((tree) => setParents(objectivesOf(tree)), () => setParents([]));
  }, [cycle.id]);

  const set = (name: keyof typeof form) => (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    setForm({ ...form, [name]: input.type === "checkbox" ? input.checked : input.value });
  };
  const setKey = (name: keyof KeyResultIn) => (e: Event) =>
    setKr({ ...kr, [name]: (e.currentTarget as HTMLInputElement).value });
  const toggleStandard = (standard: (typeof STANDARDS)[number]) =>
    setKr({
      ...kr,
      standards: kr.standards?.includes(standard)
        ? kr.standards.filter((s) => s !== standard)
        : [...(kr.standards ?? []), standard],
    });

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    // A target below the start means the number should go down (costs, defects).
    const direction = Number(kr.target_value) < Number(kr.start_value) ? "decrease" : "increase";
    const body: GoalCreate = {
      level,
      cycle_id: cycle.id,
      title: form.title,
      description: "",
      parent_id: form.parent || null,
      theme_id: form.theme || null,
      weight: Number(form.weight || 0),
      priority: form.priority as GoalCreate["priority"],
      support: { needed: form.support },
      visibility: form.public ? "public" : "private",
      key_results: kr.title ? [{ ...kr, direction, target_value: kr.target_value || "1" }] : [],
    };
    try {
      onCreated(await authorized<Goal>("/api/goals", { method: "POST", body: JSON.stringify(body) }));
    } catch (err) {
      setError(failure(t, err));
    } finally {
      setBusy(false);
    }
  }

  const binary = kr.metric_kind === "milestone" || kr.metric_kind === "yes_no";
  return (
    <form class="stack card" onSubmit={submit} data-testid="goal-form">
      <label>
        {t((m) => m.goals.titleField)}
        <input data-testid="goal-title" required maxLength={300} value={form.title} onInput={set("title")} />
      </label>
      {level === "individual" && (
        <label>
          {t((m) => m.goals.parentField)}
          <select value={form.parent} onChange={set("parent")} data-testid="goal-parent">
            <option value="">{t((m) => m.goals.none)}</option>
            {parents.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t((m) => m.goals.themeField)}
        <select value={form.theme} onChange={set("theme")}>
          <option value="">{t((m) => m.goals.none)}</option>
          {themes.map((theme) => (
            <option key={theme.id} value={theme.id}>
              {theme.name}
            </option>
          ))}
        </select>
      </label>
      <fieldset class="stack">
        <legend>{t((m) => m.goals.krTitle)}</legend>
        <input aria-label={t((m) => m.goals.krTitle)} data-testid="kr-title" value={kr.title} onInput={setKey("title")} />
        <label>
          {t((m) => m.goals.krKind)}
          <select value={kr.metric_kind} onChange={setKey("metric_kind")}>
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
              <input inputMode="decimal" value={kr.start_value} onInput={setKey("start_value")} />
            </label>
            <label>
              {t((m) => m.goals.krTarget)}
              <input inputMode="decimal" data-testid="kr-target" value={kr.target_value} onInput={setKey("target_value")} />
            </label>
            <label>
              {t((m) => m.goals.krUnit)}
              <input maxLength={20} value={kr.unit} onInput={setKey("unit")} />
            </label>
          </div>
        )}
        <label>
          {t((m) => m.goals.krDue)}
          <input type="date" min={cycle.starts_on} max={cycle.ends_on} value={kr.due_on} onInput={setKey("due_on")} />
        </label>
        <span class="label">{t((m) => m.goals.standards)}</span>
        <div class="chips">
          {STANDARDS.map((standard) => (
            <label key={standard} class="check">
              <input type="checkbox" checked={kr.standards?.includes(standard)} onChange={() => toggleStandard(standard)} />
              {t((m) => m.standard[standard])}
            </label>
          ))}
        </div>
      </fieldset>
      {level === "individual" && (
        <div class="grid3">
          <label>
            {t((m) => m.goals.weightField)}
            <input inputMode="numeric" data-testid="goal-weight" value={form.weight} onInput={set("weight")} />
          </label>
          <label>
            {t((m) => m.goals.priorityField)}
            <select value={form.priority} onChange={set("priority")}>
              {(["high", "medium", "low"] as const).map((p) => (
                <option key={p} value={p}>
                  {t((m) => m.priority[p])}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <label>
        {t((m) => m.goals.supportField)}
        <textarea maxLength={2000} value={form.support} onInput={set("support")} />
      </label>
      {level === "individual" && (
        <label class="check">
          <input type="checkbox" checked={form.public} onChange={set("public")} />
          {t((m) => m.goals.visibilityField)}
        </label>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="primary" type="submit" disabled={busy} data-testid="goal-create">
        {t((m) => m.goals.create)}
      </button>
    </form>
  );
}
