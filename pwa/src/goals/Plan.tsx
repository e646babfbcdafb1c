// HR and leadership: cycles, strategy themes, company and department objectives and goal
// templates, with the goal tree of the cycle. What is offered follows the viewer's rights
// (GET /api/me/goal-rights): HR for a region sets that region's department objectives only.
// Desktop-friendly, still usable on a phone.
import { useEffect, useState } from "preact/hooks";
import type { Cycle, Department, GoalRights, GoalTree, Template, Theme } from "../api/client";
import { useI18n } from "../i18n";
import { useNewest } from "../newest";
import { authorized } from "../session";
import { GoalForm } from "./GoalForm";
import { failure, GoalCard } from "./parts";

type Node = GoalTree["themes"][number]["objectives"][number];
type Fields = Record<string, "text" | "number" | "date" | string[]>;
const send = (method: string, body: unknown) => ({ method, body: JSON.stringify(body) });

export function Plan({ rights, open }: { rights: GoalRights; open: (goalId: string) => void }) {
  const { t } = useI18n();
  const [cycles, setCycles] = useState<Cycle[]>([]);
  const [cycle, setCycle] = useState<Cycle | null>(null);
  const [themes, setThemes] = useState<Theme[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [tree, setTree] = useState<GoalTree | null>(null);
  const [level, setLevel] = useState<"company" | "department">(rights.plan ? "company" : "department");
  const [error, setError] = useState<string | null>(null);

  const loadCycles = () =>
    authorized<Cycle[]>("/api/goal-cycles").then((list) => {
      setCycles(list);
      setCycle((current) => list.find((c) => c.id === current?.id) ?? list[0] ?? null);
    });
  const newest = useNewest();
  // A cycle's themes, templates and tree are shown together, and only for the cycle chosen last.
  const loadCycle = (c: Cycle) =>
    newest(
      Promise.all([
        authorized<Theme[]>(`/api/strategy-themes?cycle_id=${c.id}`),
        authorized<Template[]>(`/api/goal-templates?cycle_id=${c.id}`).catch((): Template[] => []),
        authorized<GoalTree>(`/api/goal-cycles/${c.id}/tree`),
      ]),
    ).then(
      ([cycleThemes, cycleTemplates, cycleTree]) => {
        setThemes(cycleThemes);
        setTemplates(cycleTemplates);
        setTree(cycleTree);
      },
      (e) => setError(failure(t, e)),
    );
  useEffect(() => {
    void loadCycles();
    authorized<Department[]>("/api/org/departments").then((all) => setDepartments(all.filter((d) => rights.department_ids.includes(d.id))), () => undefined);
  }, []);
  useEffect(() => {
    if (cycle) loadCycle(cycle);
  }, [cycle?.id]);

  async function save(method: string, path: string, body: unknown, then: () => unknown) {
    setError(null);
    try {
      await authorized(path, send(method, body));
      then();
    } catch (e) {
      setError(failure(t, e));
    }
  }

  const levels = [...(rights.plan ? (["company"] as const) : []), ...(departments.length > 0 ? (["department"] as const) : [])];
  return (
    <main class="screen wide-screen" data-testid="plan">
      <h1>{t((m) => m.plan.title)}</h1>
      {error && (
        <p class="error" role="alert" data-testid="plan-error">
          {error}
        </p>
      )}
      <section>
        <h2>{t((m) => m.plan.cycles)}</h2>
        <select value={cycle?.id} onChange={(e) => setCycle(cycles.find((c) => c.id === e.currentTarget.value) ?? null)} aria-label={t((m) => m.plan.cycles)} data-testid="plan-cycle">
          {cycles.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.starts_on} – {c.ends_on})
            </option>
          ))}
        </select>
        {rights.plan && cycle && (
          <SmallForm
            key={cycle.id}
            title={t((m) => m.plan.editCycle)}
            fields={{ name: "text", starts_on: "date", ends_on: "date" }}
            initial={{ name: cycle.name, starts_on: cycle.starts_on, ends_on: cycle.ends_on }}
            onSubmit={(v) => save("PATCH", `/api/goal-cycles/${cycle.id}`, v, loadCycles)}
          />
        )}
        {rights.plan && (
          <SmallForm
            title={t((m) => m.plan.newCycle)}
            fields={{ name: "text", kind: ["year", "half", "quarter"], starts_on: "date", ends_on: "date" }}
            onSubmit={(v) => save("POST", "/api/goal-cycles", v, loadCycles)}
          />
        )}
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
                  {rights.plan && (
                    <SmallForm
                      title={t((m) => m.plan.editTheme)}
                      fields={{ name: "text", description: "text" }}
                      initial={{ name: theme.name, description: theme.description }}
                      onSubmit={(v) => save("PATCH", `/api/strategy-themes/${theme.id}`, v, () => loadCycle(cycle))}
                    />
                  )}
                </li>
              ))}
            </ul>
            {rights.plan && (
              <SmallForm
                title={t((m) => m.plan.newTheme)}
                fields={{ name: "text", description: "text" }}
                onSubmit={(v) => save("POST", "/api/strategy-themes", { ...v, cycle_id: cycle.id, position: themes.length }, () => loadCycle(cycle))}
              />
            )}
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
          {levels.length > 0 && (
            <section>
              <h2>{t((m) => m.plan.newObjective)}</h2>
              {levels.length > 1 && (
                <div class="chips" role="radiogroup">
                  {levels.map((l) => (
                    <label key={l} class="check">
                      <input type="radio" name="objective-level" checked={level === l} onChange={() => setLevel(l)} data-testid={`objective-${l}`} />
                      {t((m) => m.level[l])}
                    </label>
                  ))}
                </div>
              )}
              <GoalForm key={`${cycle.id}-${level}`} cycle={cycle} mode={{ kind: "create", level, departments }} onSaved={() => loadCycle(cycle)} />
            </section>
          )}
          {rights.templates && (
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
                  save(
                    "POST",
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
          )}
        </>
      )}
    </main>
  );
}

/** A goal and what aligns to it. A large organisation's tree arrives in parts: `more` counts
 * the aligned goals left out, fetched when the viewer opens the branch. */
function TreeBranch({ node, open }: { node: Node; open: (goalId: string) => void }) {
  const { t } = useI18n();
  const [opened, setOpened] = useState<{ from: Node; children: Node[] } | null>(null);
  // A reloaded tree (after a new objective, say) brings new nodes; a branch opened on the
  // old ones is let go, so the new tree shows.
  const all = opened?.from === node ? opened.children : null;
  const children = all ?? node.children;
  const more = all ? 0 : node.more;
  const showAll = () =>
    authorized<Node[]>(`/api/goals/${node.goal.id}/children`).then((found) => setOpened({ from: node, children: found }), () => undefined);
  return (
    <>
      <GoalCard goal={node.goal} onOpen={open} />
      {(children.length > 0 || more > 0) && (
        <li class="branch">
          <ul class="list">{children.map((child) => <TreeBranch key={child.goal.id} node={child} open={open} />)}</ul>
          {more > 0 && (
            <button class="quiet" onClick={showAll} data-testid="tree-more">
              {t((m) => m.plan.treeMore, { count: more })}
            </button>
          )}
        </li>
      )}
    </>
  );
}

/** A compact form, folded away until needed: text, number, date or a choice per field. With
 * `initial` it edits and sends only what changed. */
function SmallForm({
  title,
  fields,
  initial = {},
  onSubmit,
}: {
  title: string;
  fields: Fields;
  initial?: Record<string, string>;
  onSubmit: (values: Record<string, string>) => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<Record<string, string>>(initial);
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
  const changed = () => Object.fromEntries(Object.entries(values).filter(([name, value]) => value !== initial[name]));
  return (
    <details class="card">
      <summary>{title}</summary>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit(changed());
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
          {Object.keys(initial).length > 0 ? t((m) => m.plan.save) : t((m) => m.plan.add)}
        </button>
      </form>
    </details>
  );
}
