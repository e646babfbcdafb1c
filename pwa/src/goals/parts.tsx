// Small pieces every goal screen shares: state and pace labels, the progress bar, errors.
import type { GoalSummary } from "../api/client";
import { ApiError } from "../api/client";
import { errorMessage, useI18n, type Translate } from "../i18n";

export function percent(share: number): number {
  return Math.round(share * 100);
}

export function PaceChip({ pace }: { pace: GoalSummary["pace"] }) {
  const { t } = useI18n();
  return (
    <span class={`chip pace-${pace}`} data-testid="pace">
      {t((m) => m.pace[pace])}
    </span>
  );
}

export function StateChip({ state }: { state: GoalSummary["state"] }) {
  const { t } = useI18n();
  return (
    <span class="chip" data-testid="goal-state">
      {t((m) => m.state[state])}
    </span>
  );
}

export function ProgressBar({ progress, expected, pace }: { progress: number; expected?: number; pace: string }) {
  return (
    <div class="bar" role="progressbar" aria-valuenow={percent(progress)} aria-valuemin={0} aria-valuemax={100}>
      <div class={`bar-fill pace-${pace}`} style={{ width: `${percent(progress)}%` }} />
      {expected !== undefined && <div class="bar-plan" style={{ left: `${percent(expected)}%` }} />}
    </div>
  );
}

export function GoalCard({ goal, onOpen }: { goal: GoalSummary; onOpen: (id: string) => void }) {
  const { t } = useI18n();
  return (
    <li class="card goal-card" data-testid="goal-card">
      <a
        href={`/goals/${goal.id}`}
        onClick={(e) => {
          e.preventDefault();
          onOpen(goal.id);
        }}
      >
        <strong>{goal.title}</strong>
      </a>
      <span class="muted">
        {goal.level === "individual" ? goal.owner.display_name : t((m) => m.level[goal.level])} · {goal.weight}%
      </span>
      <ProgressBar progress={goal.progress} pace={goal.pace} />
      <span class="chips">
        <StateChip state={goal.state} />
        <PaceChip pace={goal.pace} />
        {goal.awaiting_my_signature && <span class="chip attention">{t((m) => m.goals.awaitingYou)}</span>}
        {goal.amendment_pending && <span class="chip">{t((m) => m.goals.amendmentPending)}</span>}
      </span>
    </li>
  );
}

/** The translated message for a failed call. */
export function failure(t: Translate, error: unknown): string {
  return errorMessage(t, error instanceof ApiError ? error.code : "unknown");
}
