// One form for a goal's content, asking the four questions: a new individual goal on the
// phone, a company or department objective for planners, an edit or counter-proposal while
// a goal is negotiated, and a change proposal (amendment) once it is agreed. The server
// checks the answers again when the goal is proposed.
import { useEffect, useState } from "preact/hooks";
import type { Cycle, Department, Goal, GoalCreate, GoalUpdate, KeyResultIn, ParentChoice, Theme } from "../api/client";
import { PersonPicker, type Chosen } from "../components/PersonPicker";
import { SearchPicker, type Choice } from "../components/SearchPicker";
import { useI18n } from "../i18n";
import { authorized } from "../session";
import { blankKeyResult, keyResultIn, KeyResultFields, withDirection } from "./KeyResultFields";
import { failure } from "./parts";

const MAX_KEY_RESULTS = 10;

export type GoalFormMode =
  | { kind: "create"; level: "individual" | "company" | "department"; departments?: Department[] }
  | { kind: "edit"; goal: Goal }
  | { kind: "amend"; goal: Goal };

const PARENT_CHOICES = 8;

// The objective a goal already supports, as the picker shows it chosen.
function currentParent(goal: Goal | null, hiddenTitle: string): Choice | null {
  const step = goal?.alignment[0];
  if (!goal?.parent_id || step?.kind !== "goal") return null;
  return { id: goal.parent_id, label: step.hidden ? hiddenTitle : (step.title ?? "") };
}

function initialForm(mode: GoalFormMode) {
  const goal = mode.kind === "create" ? null : mode.goal;
  return {
    title: goal?.title ?? "",
    description: goal?.description ?? "",
    theme: goal?.theme_id ?? "",
    weight: goal ? String(goal.weight) : "",
    priority: goal?.priority ?? "medium",
    support: goal?.support.needed ?? "",
    public: goal?.visibility === "public",
    department: mode.kind === "create" ? (mode.departments?.[0]?.id ?? "") : "",
    reason: "",
  };
}

export function GoalForm({ cycle, mode, onSaved, onCancel }: { cycle: Cycle; mode: GoalFormMode; onSaved: (goal: Goal) => void; onCancel?: () => void }) {
  const { t } = useI18n();
  const goal = mode.kind === "create" ? null : mode.goal;
  const level = mode.kind === "create" ? mode.level : mode.goal.level;
  const individual = level === "individual";
  const [themes, setThemes] = useState<Theme[]>([]);
  const [parent, setParent] = useState<Choice | null>(() => currentParent(goal, t((m) => m.goals.hiddenParent)));
  const [form, setForm] = useState(() => initialForm(mode));
  const [keyResults, setKeyResults] = useState<KeyResultIn[]>(() => goal?.key_results.map(keyResultIn) ?? [blankKeyResult(cycle, 100)]);
  const [supportFrom, setSupportFrom] = useState<Chosen | null>(goal?.support.from_person ?? null);
  const [owner, setOwner] = useState<Chosen | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Visibility is the owner's call; only a new goal or its owner may set it.
  const choosesVisibility = individual && (mode.kind === "create" || (mode.kind === "edit" && mode.goal.permissions.change_visibility));

  const searchParents = async (query: string): Promise<Choice[]> => {
    const except = goal ? `&exclude=${goal.id}` : "";
    const found = await authorized<ParentChoice[]>(`/api/goal-cycles/${cycle.id}/parent-choices?q=${encodeURIComponent(query)}&limit=${PARENT_CHOICES}${except}`);
    return found.map((o) => ({ id: o.id, label: o.title, detail: `${t((m) => m.level[o.level])} · ${o.department_name ?? o.owner.display_name}` }));
  };

  useEffect(() => {
    authorized<Theme[]>(`/api/strategy-themes?cycle_id=${cycle.id}`).then(setThemes, () => setThemes([]));
  }, [cycle.id]);

  const set = (name: keyof typeof form) => (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    setForm({ ...form, [name]: input.type === "checkbox" ? input.checked : input.value });
  };
  const changeKeyResult = (i: number) => (kr: KeyResultIn) => setKeyResults(keyResults.map((k, j) => (j === i ? kr : k)));
  // Adding or removing a key result shares the goal evenly again (50/50, 34/33/33); the
  // person then adjusts. Key-result weights must total 100 before the goal is proposed.
  const rebalance = (list: KeyResultIn[]) =>
    list.map((kr, i) => ({ ...kr, weight: Math.floor(100 / list.length) + (i < 100 % list.length ? 1 : 0) }));

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const content = {
      title: form.title,
      description: form.description,
      parent_id: parent?.id ?? null,
      theme_id: form.theme || null,
      weight: Number(form.weight || 0),
      priority: form.priority as GoalCreate["priority"],
      support: { needed: form.support, from_person_id: supportFrom?.id ?? null },
      key_results: keyResults.map(withDirection),
    } satisfies GoalUpdate;
    const visibility = form.public ? "public" : "private";
    try {
      if (mode.kind === "create") {
        const body: GoalCreate = {
          ...content,
          level,
          cycle_id: cycle.id,
          visibility,
          ...(level === "department" ? { department_id: form.department, owner_id: owner?.id ?? null } : {}),
        };
        onSaved(await authorized<Goal>("/api/goals", { method: "POST", body: JSON.stringify(body) }));
      } else if (mode.kind === "edit") {
        const body = choosesVisibility && visibility !== mode.goal.visibility ? { ...content, visibility } : content;
        onSaved(await authorized<Goal>(`/api/goals/${mode.goal.id}`, { method: "PATCH", body: JSON.stringify(body) }));
      } else {
        const body = { changes: content, reason: form.reason };
        onSaved(await authorized<Goal>(`/api/goals/${mode.goal.id}/amendments`, { method: "POST", body: JSON.stringify(body) }));
      }
    } catch (err) {
      setError(failure(t, err));
    } finally {
      setBusy(false);
    }
  }

  const submitLabel = { create: t((m) => m.goals.create), edit: t((m) => m.goals.saveChanges), amend: t((m) => m.goals.amendSend) }[mode.kind];
  return (
    <form class="stack card" onSubmit={submit} data-testid="goal-form">
      {mode.kind === "edit" && goal && goal.state !== "draft" && <p class="notice">{t((m) => m.goals.counterProposalHint)}</p>}
      {mode.kind === "amend" && <p class="notice">{t((m) => m.goals.amendHint)}</p>}
      <label>
        {t((m) => m.goals.titleField)}
        <input data-testid="goal-title-field" required maxLength={300} value={form.title} onInput={set("title")} />
      </label>
      <label>
        {t((m) => m.goals.descriptionField)}
        <textarea maxLength={4000} value={form.description} onInput={set("description")} />
      </label>
      {mode.kind === "create" && level === "department" && (
        <>
          <label>
            {t((m) => m.goals.departmentField)}
            <select required value={form.department} onChange={set("department")} data-testid="goal-department">
              {mode.departments?.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <PersonPicker label={t((m) => m.goals.ownerField)} chosen={owner} onChoose={setOwner} testId="goal-owner" />
        </>
      )}
      <h3>{t((m) => m.goals.questionServes)}</h3>
      {level !== "company" && (
        <SearchPicker
          label={t((m) => m.goals.parentField)}
          placeholder={t((m) => m.goals.parentSearch)}
          chosen={parent}
          onChoose={setParent}
          search={searchParents}
          suggests
          testId="goal-parent"
        />
      )}
      <label>
        {t((m) => m.goals.themeField)}
        <select value={form.theme} onChange={set("theme")} data-testid="goal-theme">
          <option value="">{t((m) => m.goals.none)}</option>
          {themes.map((theme) => (
            <option key={theme.id} value={theme.id}>
              {theme.name}
            </option>
          ))}
        </select>
      </label>
      <h3>{t((m) => m.goals.questionMeasures)}</h3>
      {keyResults.map((kr, i) => (
        <KeyResultFields
          key={kr.id ?? i}
          kr={kr}
          index={i}
          cycle={cycle}
          showWeight={keyResults.length > 1}
          onChange={changeKeyResult(i)}
          onRemove={keyResults.length > 1 ? () => setKeyResults(rebalance(keyResults.filter((_, j) => j !== i))) : undefined}
        />
      ))}
      {keyResults.length < MAX_KEY_RESULTS && (
        <button type="button" class="quiet" onClick={() => setKeyResults(rebalance([...keyResults, blankKeyResult(cycle, 0)]))} data-testid="add-kr">
          {t((m) => m.goals.addKr)}
        </button>
      )}
      {individual && (
        <>
          <h3>{t((m) => m.goals.questionWeight)}</h3>
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
        </>
      )}
      <h3>{t((m) => m.goals.questionSupport)}</h3>
      <label>
        {t((m) => m.goals.supportField)}
        <textarea maxLength={2000} value={form.support} onInput={set("support")} data-testid="goal-support" />
      </label>
      <PersonPicker label={t((m) => m.goals.supportPerson)} chosen={supportFrom} onChoose={setSupportFrom} testId="support-person" />
      {choosesVisibility && (
        <label class="check">
          <input type="checkbox" checked={form.public} onChange={set("public")} />
          {t((m) => m.goals.visibilityField)}
        </label>
      )}
      {mode.kind === "amend" && (
        <label>
          {t((m) => m.goals.amendReason)}
          <textarea required maxLength={2000} value={form.reason} onInput={set("reason")} data-testid="amend-reason" />
        </label>
      )}
      {error && (
        <p class="error" role="alert" data-testid="goal-form-error">
          {error}
        </p>
      )}
      <div class="actions">
        <button class="primary" type="submit" disabled={busy} data-testid="goal-save">
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" class="quiet" onClick={onCancel}>
            {t((m) => m.goals.cancel)}
          </button>
        )}
      </div>
    </form>
  );
}
