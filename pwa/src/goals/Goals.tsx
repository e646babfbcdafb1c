// My goals: each with progress and pace, the weight total of the cycle, and a new-goal form.
import { useEffect, useState } from "preact/hooks";
import type { Cycle, Goal, MyGoals } from "../api/client";
import { cached } from "../offline/sync";
import { useI18n } from "../i18n";
import { authorized } from "../session";
import { GoalForm } from "./GoalForm";
import { failure, GoalCard } from "./parts";

export function Goals({ userId, open }: { userId: string; open: (goalId: string) => void }) {
  const { t } = useI18n();
  const [mine, setMine] = useState<MyGoals | null>(null);
  const [cycle, setCycle] = useState<Cycle | null>(null);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    authorized<Cycle[]>("/api/goal-cycles").then(
      (cycles) => setCycle(cycles[0] ?? null),
      // Offline: my goals as the last pull brought them (no new-goal form without a cycle).
      async (e) => {
        const kept = await cached<Goal>(userId, "goals");
        if (kept.length > 0) setMine({ goals: kept, weights: [] });
        else setError(failure(t, e));
      },
    );
  }, []);
  useEffect(() => {
    if (!cycle) return;
    authorized<MyGoals>(`/api/me/goals?cycle_id=${cycle.id}`).then(setMine, (e) => setError(failure(t, e)));
  }, [cycle?.id]);

  const total = mine?.weights[0]?.total ?? 0;
  return (
    <main class="screen">
      <h1>{t((m) => m.goals.title)}</h1>
      {cycle && <p class="muted">{cycle.name}</p>}
      {error && <p class="error">{error}</p>}
      {mine && mine.goals.length === 0 && <p class="muted">{t((m) => m.goals.empty)}</p>}
      {mine && mine.weights.length > 0 && (
        <p class={total === 100 ? "muted" : "notice"} data-testid="weight-total">
          {total === 100 ? t((m) => m.goals.weightTotal, { total }) : t((m) => m.goals.weightOff, { total })}
        </p>
      )}
      <ul class="list" data-testid="my-goals">
        {mine?.goals
          .filter((g) => g.state !== "withdrawn")
          .map((goal) => <GoalCard key={goal.id} goal={goal} onOpen={open} />)}
      </ul>
      {cycle && !adding && (
        <button class="primary wide" onClick={() => setAdding(true)} data-testid="new-goal">
          {t((m) => m.goals.newGoal)}
        </button>
      )}
      {cycle && adding && (
        <GoalForm cycle={cycle} mode={{ kind: "create", level: "individual" }} onSaved={(goal) => open(goal.id)} onCancel={() => setAdding(false)} />
      )}
    </main>
  );
}
