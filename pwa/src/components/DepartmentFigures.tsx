// HR's figures by department (check-in coverage, open alerts): a tree of groups, everyone
// first. The server leaves out the figures of any group too small to show (or that
// subtraction would expose); this says so instead of a number. Online only.
import { useEffect, useState } from "preact/hooks";
import type { DepartmentGroup } from "../api/client";
import { failure } from "../goals/parts";
import { useI18n } from "../i18n";
import { authorized } from "../session";

type Figures<G> = { min_group_size: number; groups: G[] };

/** Each group after the one that holds it, with its depth, everyone first. */
function asTree<G extends DepartmentGroup>(groups: G[]): Array<[G, number]> {
  const ordered: Array<[G, number]> = [];
  const place = (parent: string | null, depth: number) => {
    for (const group of groups.filter((g) => g.department_id !== null && g.parent_id === parent).sort((a, b) => (a.department_name ?? "").localeCompare(b.department_name ?? ""))) {
      ordered.push([group, depth]);
      place(group.department_id, depth + 1);
    }
  };
  const everyone = groups.find((g) => g.department_id === null);
  if (everyone) ordered.push([everyone, 0]);
  place(null, 1);
  return ordered;
}

export function DepartmentFigures<G extends DepartmentGroup>(props: {
  online: boolean;
  path: string;
  title: string;
  needsNetwork: string;
  testId: string;
  /** The group's figures as a line of text; null when the server left them out. */
  describe: (group: G) => string | null;
}) {
  const { t } = useI18n();
  const [figures, setFigures] = useState<Figures<G> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (props.online) authorized<Figures<G>>(props.path).then(setFigures, (e) => setError(failure(t, e)));
  }, [props.online, props.path]);
  return (
    <section data-testid={props.testId}>
      <h2>{props.title}</h2>
      {!props.online && <p class="muted">{props.needsNetwork}</p>}
      {error && <p class="error">{error}</p>}
      {figures && (
        <ul class="list">
          {asTree(figures.groups).map(([group, depth]) => (
            <li key={group.department_id ?? "everyone"} class="card" style={{ marginInlineStart: `${depth * 0.75}rem` }} data-testid={`${props.testId}-group`}>
              <strong>
                {group.department_name ?? t((m) => m.departmentFigures.everyone)} · {t((m) => m.departmentFigures.people, { count: group.people })}
              </strong>
              <span class={props.describe(group) === null ? "muted" : undefined}>
                {props.describe(group) ?? t((m) => m.departmentFigures.tooFew, { minimum: figures.min_group_size })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
