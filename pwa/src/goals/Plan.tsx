// HR and leadership: cycles, strategy themes, company objectives and goal templates, with
// the goal tree of the cycle. Desktop-friendly, still usable on a phone.
import { useEffect, useState } from "preact/hooks";
import type { Cycle, GoalTree, Template, Theme } from "../api/client";
import { useI18n } from "../i18n";
import { authorized } from "../session";
import { GoalForm } from "./GoalForm";
import { failure, GoalCard } from "./parts";

type Node = GoalTree["themes"][number]["objectives"][number];
const post = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });

export function Plan({ open }: { open: (goalId: string) => void }) {
  const { t } = useI18n();
  const [cycles, setCycles] = useState<Cycle[]>([]);
  const [cycle, setCycle] = useState<Cycle | null>(null);
  const [themes, setThemes] = useState<Theme[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [tree, setTree] = useState<GoalTree | null>(null);
  const [error, setError] = useState<string | null>(null);

  const loadCycles = () =>
    authorized<Cycle[]>("/api/goal-cycles").then((list) => {
      setCycles(list);
      setCycle((current) => list.find((c) => c.id === current?.id) ?? list[0] ?? null);
    });
  const loadCycle = (c: Cycle) => {
    authorized<Theme[]>(`/api/strategy-themes?cycle_id=${c.id}`).then(setThemes);
    authorized<Template[]>(`/api/goal-templates?cycle_id=${c.id}`).then(setTemplates, () => setTemplates([]));
    authorized<GoalTree>(`/api/goal-cycles/${c.id}/tree`).then(setTree);
  };
  useEffect(() => void loadCycles(), []);
  useEffect(() => {
    if (cycle) loadCycle(cycle);
  }, [cycle?.id]);

  async function create(path: string, body: unknown, then: () => unknown) {
    setError(null);
    try {
      await authorized(path, post(body));
      then();
    } catch (e) {
      setError(failure(t, e));
    }
  }

  return (
    <main class="screen wide-screen" data-testid="plan">
      <h1>{t((m) => m.plan.title)}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section>
        <h2>{t((m) => m.plan.cycles)}</h2>
        <select value={cycle?.id} onChange={(e) => setCycle(cycles.find((c) => c.id === e.currentTarget.value) ?? null)} aria-label={t((m) => m.plan.cycles)}>
          {cycles.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.starts_on} – {c.ends_on})
            </option>
          ))}
        </select>
        <SmallForm
          title={t((m) => m.plan.newCycle)}
          fields={{ name: "text", kind: ["year", "half", "quarter"], starts_on: "date", ends_on: "date" }}
          onSubmit={(v) => create("/api/goal-cycles", v, loadCycles)}
        />
      </section>
      {cycle && (
        <>
          <section>
            <h2>{t((m) => m.plan.themes)}</h2>
            <ul class="list" data-testid="themes">
              {themes.map((theme) => (
                <li key={theme.id} class="card">
                  <strong>{theme.name}</strong>
                  <span class="muted">{theme.description}</span>
                </li>
              ))}
            </ul>
            <SmallForm
              title={t((m) => m.plan.newTheme)}
              fields={{ name: "text", description: "text" }}
              onSubmit={(v) => create("/api/strategy-themes", { ...v, cycle_id: cycle.id, position: themes.length }, () => loadCycle(cycle))}
            />
          </section>
          <section>
            <h2>{t((m) => m.plan.tree)}</h2>
            {tree?.themes.map((branch) => (
              <div key={branch.theme?.id ?? "none"}>
                <h3>{branch.theme?.name ?? t((m) => m.goals.none)}</h3>
                <ul class="list tree">{branch.objectives.map((node) => <TreeBranch key={node.goal.id} node={node} open={open} />)}</ul>
              </div>
            ))}
          </section>
          <section>
            <h2>{t((m) => m.plan.newObjective)}</h2>
            <GoalForm cycle={cycle} level="company" onCreated={() => loadCycle(cycle)} />
          </section>
          <section>
            <h2>{t((m) => m.plan.templates)}</h2>
            <ul class="list">
              {templates.map((tpl) => (
                <li key={tpl.id} class="card">
                  <strong>{tpl.title}</strong>
                  <span class="muted">
                    {tpl.weight}% · {tpl.key_results.map((kr) => kr.title).join(" · ")}
                  </span>
                </li>
              ))}
            </ul>
            <SmallForm
              title={t((m) => m.plan.newTemplate)}
              fields={{ title: "text", weight: "number", key_result: "text", target: "number" }}
              onSubmit={(v) =>
                create(
                  "/api/goal-templates",
                  {
                    cycle_id: cycle.id,
                    title: v.title,
                    weight: Number(v.weight || 0),
                    key_results: [{ title: v.key_result, target_value: v.target || "1", due_on: cycle.ends_on, standards: ["quantity"] }],
                  },
                  () => loadCycle(cycle),
                )
              }
            />
          </section>
        </>
      )}
    </main>
  );
}

function TreeBranch({ node, open }: { node: Node; open: (goalId: string) => void }) {
  return (
    <>
      <GoalCard goal={node.goal} onOpen={open} />
      {node.children.length > 0 && (
        <li class="branch">
          <ul class="list">{node.children.map((child) => <TreeBranch key={child.goal.id} node={child} open={open} />)}</ul>
        </li>
      )}
    </>
  );
}

/** A compact create form: text, number, date or a choice per field. */
function SmallForm({
  title,
  fields,
  onSubmit,
}: {
  title: string;
  fields: Record<string, "text" | "number" | "date" | string[]>;
  onSubmit: (values: Record<string, string>) => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<Record<string, string>>({});
  const labels: Record<string, string> = {
    name: t((m) => m.plan.name),
    kind: t((m) => m.plan.kind),
    starts_on: t((m) => m.plan.starts),
    ends_on: t((m) => m.plan.ends),
    description: t((m) => m.plan.description),
    title: t((m) => m.goals.titleField),
    weight: t((m) => m.goals.weightField),
    key_result: t((m) => m.goals.krTitle),
    target: t((m) => m.goals.krTarget),
  };
  const set = (name: string) => (e: Event) => setValues({ ...values, [name]: (e.currentTarget as HTMLInputElement).value });
  return (
    <details class="card">
      <summary>{title}</summary>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit(values);
        }}
      >
        {Object.entries(fields).map(([name, kind]) => (
          <label key={name}>
            {labels[name]}
            {Array.isArray(kind) ? (
              <select required value={values[name] ?? ""} onChange={set(name)}>
                <option value="" disabled />
                {kind.map((k) => (
                  <option key={k} value={k}>
                    {t((m) => (m.plan.kinds as Record<string, string>)[k] ?? k)}
                  </option>
                ))}
              </select>
            ) : (
              <input type={kind} required={name !== "description"} value={values[name] ?? ""} onInput={set(name)} />
            )}
          </label>
        ))}
        <button class="primary" type="submit">
          {t((m) => m.plan.add)}
        </button>
      </form>
    </details>
  );
}
