// HR: how many of the people they cover are on time with their check-ins, by department.
// The server leaves out the figures of any group too small to show (or that subtraction would
// expose); this screen says so instead of a number. Online only.
import { useEffect, useState } from "preact/hooks";
import type { Coverage as CoverageRead } from "../api/client";
import { failure } from "../goals/parts";
import { useI18n } from "../i18n";
import { authorized } from "../session";

type Group = CoverageRead["groups"][number];

/** Each group after the one that holds it, with its depth, everyone first. */
function asTree(groups: Group[]): Array<[Group, number]> {
  const ordered: Array<[Group, number]> = [];
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

export function Coverage({ online }: { online: boolean }) {
  const { t } = useI18n();
  const [coverage, setCoverage] = useState<CoverageRead | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (online) authorized<CoverageRead>("/api/checkin-coverage").then(setCoverage, (e) => setError(failure(t, e)));
  }, [online]);
  return (
    <section data-testid="coverage">
      <h2>{t((m) => m.coverage.title)}</h2>
      {!online && <p class="muted">{t((m) => m.coverage.needsNetwork)}</p>}
      {error && <p class="error">{error}</p>}
      {coverage && (
        <ul class="list">
          {asTree(coverage.groups).map(([group, depth]) => (
            <li key={group.department_id ?? "everyone"} class="card" style={{ marginInlineStart: `${depth * 0.75}rem` }} data-testid="coverage-group">
              <strong>
                {group.department_name ?? t((m) => m.coverage.everyone)} · {t((m) => m.coverage.people, { count: group.people })}
              </strong>
              {group.on_time === null ? (
                <span class="muted">{t((m) => m.coverage.tooFew, { minimum: coverage.min_group_size })}</span>
              ) : (
                <span>{t((m) => m.coverage.figures, { onTime: group.on_time, due: group.due ?? 0, overdue: group.overdue ?? 0, never: group.never ?? 0 })}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
