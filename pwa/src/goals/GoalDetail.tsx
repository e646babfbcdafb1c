// One goal: the four answers, key results with their progress, the signatures and the
// conversation. Every action the server allows this viewer (goal.permissions) is offered.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Cycle, Goal, GoalComment, GoalVersion, Progress } from "../api/client";
import { lazy } from "../components/lazy";
import { useI18n } from "../i18n";
import { enqueue } from "../offline/outbox";
import { cached } from "../offline/sync";
import { PendingList, useOutbox } from "../offline/pending";
import { authorized } from "../session";
import { GoalForm } from "./GoalForm";
import { failure, PaceChip, percent, ProgressBar, StateChip } from "./parts";

type KeyResult = Goal["key_results"][number];
const PROMPTS = ["biggest_challenge", "support_from_me", "if_reality_changes"] as const;
const post = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });

// HR's rules for one goal: in the alerts chunk, fetched only when HR opens a goal.
const GoalAlertRules = lazy(async () => (await import("../alerts/AlertRules")).GoalAlertRules);

export function GoalDetail({ userId, goalId, back, isHr }: { userId: string; goalId: string; back: () => void; isHr: boolean }) {
  const { t } = useI18n();
  const [goal, setGoal] = useState<Goal | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The goal's content is being changed: "edit" while negotiating, "amend" once agreed.
  const [changing, setChanging] = useState<"edit" | "amend" | null>(null);
  const [cycle, setCycle] = useState<Cycle | null>(null);
  // Online: the server's answer. Offline: my goal as the last pull brought it.
  const load = () =>
    authorized<Goal>(`/api/goals/${goalId}`).then(setGoal, async (e) => {
      const kept = (await cached<Goal>(userId, "goals")).find((g) => g.id === goalId);
      if (kept) setGoal(kept);
      else setError(failure(t, e));
    });
  useEffect(() => void load(), [goalId]);
  // Progress written here reaches the server through the outbox: read the goal again once
  // an entry for it has been sent. Not on every sync: a manager's read of a report's private
  // goal goes to the report's access log.
  const keyResults = new Set(goal?.key_results.map((kr) => kr.id));
  const progressWaiting = useOutbox(userId).filter((e) => e.kind === "kr.progress" && keyResults.has(e.payload.key_result_id as string)).length;
  const waitingBefore = useRef(0);
  useEffect(() => {
    if (progressWaiting < waitingBefore.current) void load();
    waitingBefore.current = progressWaiting;
  }, [progressWaiting]);
  useEffect(() => {
    if (!goal || cycle) return;
    authorized<Cycle[]>("/api/goal-cycles").then((all) => setCycle(all.find((c) => c.id === goal.cycle_id) ?? null), () => undefined);
  }, [goal?.cycle_id]);

  async function run(path: string, body: unknown, method = "POST") {
    setError(null);
    try {
      setGoal(await authorized<Goal>(`/api/goals/${goalId}${path}`, { method, body: JSON.stringify(body) }));
    } catch (e) {
      setError(failure(t, e));
    }
  }

  if (!goal) {
    return (
      <main class="screen">
        <BackLink back={back} />
        {error && <p class="error">{error}</p>}
      </main>
    );
  }
  const can = goal.permissions;
  if (changing && cycle) {
    return (
      <main class="screen goal" data-testid="goal-detail">
        <BackLink back={() => setChanging(null)} />
        <h1>{changing === "edit" ? t((m) => m.goals.editTitle) : t((m) => m.goals.amend)}</h1>
        <GoalForm
          cycle={cycle}
          mode={{ kind: changing, goal }}
          onSaved={(saved) => {
            setGoal(saved);
            setChanging(null);
          }}
          onCancel={() => setChanging(null)}
        />
      </main>
    );
  }
  return (
    <main class="screen goal" data-testid="goal-detail">
      <BackLink back={back} />
      <h1 data-testid="goal-title">{goal.title}</h1>
      <p class="muted">
        {goal.owner.display_name} · {t((m) => m.level[goal.level])}
      </p>
      <span class="chips">
        <StateChip state={goal.state} />
        <PaceChip pace={goal.pace} />
      </span>
      {goal.description && <p>{goal.description}</p>}
      {can.change_visibility && (
        <label class="check">
          <input
            type="checkbox"
            checked={goal.visibility === "public"}
            onChange={(e) => run("", { visibility: e.currentTarget.checked ? "public" : "private" }, "PATCH")}
            data-testid="goal-public"
          />
          {t((m) => m.goals.visibilityField)}
        </label>
      )}
      {error && (
        <p class="error" role="alert" data-testid="goal-error">
          {error}
        </p>
      )}

      <h2>{t((m) => m.goals.questions)}</h2>
      <dl class="answers">
        <dt>{t((m) => m.goals.serves)}</dt>
        <dd data-testid="alignment">
          {goal.alignment.length === 0 && t((m) => m.goals.servesNothing)}
          <ol class="path">
            {goal.alignment.map((step, i) => (
              <li key={i}>{step.hidden ? t((m) => m.goals.hiddenParent) : step.title}</li>
            ))}
          </ol>
        </dd>
        <dt>{t((m) => m.goals.measures)}</dt>
        <dd>
          {goal.key_results.map((kr) => (
            <div key={kr.id}>
              {kr.title}: {kr.standards.map((s) => t((m) => m.standard[s])).join(" · ")}
            </div>
          ))}
        </dd>
        <dt>{t((m) => m.goals.weightPriority)}</dt>
        <dd>{t((m) => m.goals.weightValue, { weight: goal.weight, priority: t((m) => m.priority[goal.priority]) })}</dd>
        <dt>{t((m) => m.goals.support)}</dt>
        <dd>
          {goal.support.needed || t((m) => m.goals.supportNone)}
          {goal.support.from_person && (
            <div class="muted">{t((m) => m.goals.supportFrom, { name: goal.support.from_person.display_name })}</div>
          )}
        </dd>
      </dl>

      <h2>{t((m) => m.goals.keyResults)}</h2>
      <ul class="list">
        {goal.key_results.map((kr) => (
          <KeyResultCard key={kr.id} userId={userId} kr={kr} canRecord={can.record_progress} />
        ))}
      </ul>
      <PendingList userId={userId} kinds={["kr.progress"]} />

      <Signatures goal={goal} onSign={() => run("/signatures", { version: goal.version, content_hash: goal.content_hash })} />

      <div class="actions">
        {can.propose && (
          <button class="primary" data-testid="propose" onClick={() => run("/transitions", { action: "propose" })}>
            {t((m) => m.goals.propose)}
          </button>
        )}
        {can.activate && (
          <button class="primary" onClick={() => run("/transitions", { action: "activate" })}>
            {t((m) => m.goals.activate)}
          </button>
        )}
        {can.close && <CloseForm onClose={(score) => run("/transitions", { action: "close", score })} />}
        {can.edit && cycle && (
          <button class="quiet" onClick={() => setChanging("edit")} data-testid="edit-goal">
            {goal.state === "draft" || goal.level !== "individual" ? t((m) => m.goals.edit) : t((m) => m.goals.counterPropose)}
          </button>
        )}
        {can.amend && cycle && (
          <button class="quiet" onClick={() => setChanging("amend")} data-testid="amend-goal">
            {t((m) => m.goals.amend)}
          </button>
        )}
        {can.withdraw && (
          <button class="quiet" onClick={() => run("/transitions", { action: "withdraw" })}>
            {t((m) => m.goals.withdraw)}
          </button>
        )}
      </div>

      <Comments goalId={goal.id} canComment={can.comment} onPosted={load} />
      {isHr && <GoalAlertRules goalId={goal.id} />}
      <Versions goalId={goal.id} />
    </main>
  );
}

function BackLink({ back }: { back: () => void }) {
  const { t } = useI18n();
  return (
    <button class="link" onClick={back} data-testid="back">
      ← {t((m) => m.goals.back)}
    </button>
  );
}

function KeyResultCard({ userId, kr, canRecord }: { userId: string; kr: KeyResult; canRecord: boolean }) {
  const { t, locale } = useI18n();
  const [history, setHistory] = useState<Progress[] | null>(null);
  const [value, setValue] = useState("");
  const [note, setNote] = useState("");
  const loadHistory = () => authorized<Progress[]>(`/api/key-results/${kr.id}/progress`).then(setHistory, () => setHistory([]));
  useEffect(() => void loadHistory(), [kr.id, kr.current_value]);

  async function record(e: Event) {
    e.preventDefault();
    // Through the outbox, like every entry made on a site visit: it works offline.
    await enqueue(userId, "kr.progress", { key_result_id: kr.id, value, note });
    setValue("");
    setNote("");
  }

  const date = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" });
  return (
    <li class="card" data-testid="key-result">
      <strong>{kr.title}</strong>
      <span>
        {kr.current_value} / {kr.target_value} {kr.unit}
      </span>
      <ProgressBar progress={kr.progress} expected={kr.expected_progress} pace={kr.pace} />
      <span class="muted">
        {t((m) => m.goals.expected, { percent: percent(kr.expected_progress) })} ·{" "}
        {t((m) => m.goals.due, { date: date.format(new Date(kr.due_on)) })}
      </span>
      <PaceChip pace={kr.pace} />
      {history && history.length > 0 ? <Chart kr={kr} history={history} /> : <span class="muted">{t((m) => m.goals.noHistory)}</span>}
      {canRecord && (
        <form class="inline-form" onSubmit={record}>
          <input aria-label={t((m) => m.goals.newValue)} placeholder={t((m) => m.goals.newValue)} inputMode="decimal" required value={value} onInput={(e) => setValue(e.currentTarget.value)} data-testid="progress-value" />
          <input aria-label={t((m) => m.goals.note)} placeholder={t((m) => m.goals.note)} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <button class="primary" type="submit" data-testid="progress-save">
            {t((m) => m.goals.save)}
          </button>
        </form>
      )}
    </li>
  );
}

/** The progress log as a line from the start value towards the target. */
function Chart({ kr, history }: { kr: KeyResult; history: Progress[] }) {
  const { t } = useI18n();
  const values = [Number(kr.start_value), Number(kr.target_value), ...history.map((h) => Number(h.value))];
  const low = Math.min(...values);
  const high = Math.max(...values);
  const x = (i: number) => (history.length === 1 ? 100 : (i / (history.length - 1)) * 100);
  const y = (v: number) => 40 - ((v - low) / (high - low || 1)) * 36 - 2;
  const points = history.map((h, i) => `${x(i)},${y(Number(h.value))}`).join(" ");
  return (
    <svg class="chart" viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label={t((m) => m.goals.history)} data-testid="progress-chart">
      <line x1="0" x2="100" y1={y(Number(kr.target_value))} y2={y(Number(kr.target_value))} class="chart-target" />
      <polyline points={points} class="chart-line" />
    </svg>
  );
}

function Signatures({ goal, onSign }: { goal: Goal; onSign: () => void }) {
  const { t, locale } = useI18n();
  // While a change to an agreed goal waits, the page above still shows the agreed version:
  // show what the signature would cover.
  const [change, setChange] = useState<GoalVersion | null>(null);
  useEffect(() => {
    if (!goal.amendment_pending) return setChange(null);
    authorized<GoalVersion[]>(`/api/goals/${goal.id}/versions`).then((all) => setChange(all.find((v) => v.version === goal.version) ?? null), () => undefined);
  }, [goal.id, goal.version, goal.amendment_pending]);
  if (goal.level !== "individual") return null;
  const when = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  return (
    <section data-testid="signatures">
      <h2>{t((m) => m.goals.signatures)}</h2>
      {change && (
        <div data-testid="pending-change">
          <p class="notice">{t((m) => m.goals.changeWaiting)}</p>
          <VersionCard version={change} />
        </div>
      )}
      <p class="muted">{t((m) => m.goals.version, { version: goal.version, hash: goal.content_hash.slice(0, 12) })}</p>
      <ul class="list">
        {(["employee", "manager"] as const).map((role) => {
          const signature = goal.signatures.find((s) => s.role === role);
          const roleName = t((m) => m.signer[role]);
          return (
            <li key={role} class={`card ${signature ? "signed" : ""}`} data-testid={`signature-${role}`}>
              {signature ? t((m) => m.goals.signedBy, { name: signature.signer.display_name, role: roleName }) : t((m) => m.goals.notSigned, { role: roleName })}
              {signature && <time class="muted">{when.format(new Date(signature.signed_at))}</time>}
            </li>
          );
        })}
      </ul>
      {goal.permissions.sign && (
        <>
          <p class="muted">{change ? t((m) => m.goals.signChangeHint) : t((m) => m.goals.signHint)}</p>
          <button class="primary wide" onClick={onSign} data-testid="sign">
            {t((m) => m.goals.sign)}
          </button>
        </>
      )}
    </section>
  );
}

function CloseForm({ onClose }: { onClose: (score: number) => void }) {
  const { t } = useI18n();
  const [score, setScore] = useState("");
  return (
    <form class="inline-form" onSubmit={(e) => (e.preventDefault(), onClose(Number(score)))}>
      <input aria-label={t((m) => m.goals.score)} placeholder={t((m) => m.goals.score)} inputMode="numeric" required value={score} onInput={(e) => setScore(e.currentTarget.value)} />
      <button class="primary" type="submit">
        {t((m) => m.goals.closeGoal)}
      </button>
    </form>
  );
}

function Comments({ goalId, canComment, onPosted }: { goalId: string; canComment: boolean; onPosted: () => void }) {
  const { t, locale } = useI18n();
  const [comments, setComments] = useState<GoalComment[]>([]);
  const [body, setBody] = useState("");
  const [prompt, setPrompt] = useState<(typeof PROMPTS)[number] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => authorized<GoalComment[]>(`/api/goals/${goalId}/comments`).then(setComments, () => undefined);
  useEffect(() => void load(), [goalId]);
  const when = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });

  async function send(e: Event) {
    e.preventDefault();
    try {
      await authorized(`/api/goals/${goalId}/comments`, post({ body, prompt }));
      setBody("");
      setPrompt(null);
      await load();
      onPosted();
    } catch (err) {
      setError(failure(t, err));
    }
  }

  return (
    <section>
      <h2>{t((m) => m.goals.comments)}</h2>
      {comments.length === 0 && <p class="muted">{t((m) => m.goals.noComments)}</p>}
      <ul class="list" data-testid="comments">
        {comments.map((c) => (
          <li key={c.id} class="card">
            {c.prompt && <span class="muted">{t((m) => m.prompt[c.prompt!])}</span>}
            <span>{c.body}</span>
            <span class="muted">
              {c.author.display_name} · {when.format(new Date(c.created_at))}
            </span>
          </li>
        ))}
      </ul>
      {canComment && (
        <form class="stack" onSubmit={send}>
          <div class="chips">
            {PROMPTS.map((p) => (
              <button type="button" key={p} class={`chip ${prompt === p ? "attention" : ""}`} onClick={() => setPrompt(prompt === p ? null : p)}>
                {t((m) => m.prompt[p])}
              </button>
            ))}
          </div>
          <textarea aria-label={t((m) => m.goals.commentPlaceholder)} placeholder={prompt ? t((m) => m.prompt[prompt]) : t((m) => m.goals.commentPlaceholder)} required maxLength={4000} value={body} onInput={(e) => setBody(e.currentTarget.value)} data-testid="comment-body" />
          <button class="primary" type="submit" data-testid="comment-send">
            {t((m) => m.goals.send)}
          </button>
          {error && <p class="error">{error}</p>}
        </form>
      )}
    </section>
  );
}

/** Every version side by side (scrolls sideways on a phone). */
function Versions({ goalId }: { goalId: string }) {
  const { t } = useI18n();
  const [versions, setVersions] = useState<GoalVersion[] | null>(null);
  if (!versions) {
    return (
      <button class="quiet wide" onClick={() => authorized<GoalVersion[]>(`/api/goals/${goalId}/versions`).then(setVersions)} data-testid="show-versions">
        {t((m) => m.goals.versions)}
      </button>
    );
  }
  return (
    <section>
      <h2>{t((m) => m.goals.versionsTitle)}</h2>
      <div class="versions" data-testid="versions">
        {versions.map((v) => (
          <VersionCard key={v.version} version={v} />
        ))}
      </div>
    </section>
  );
}

function VersionCard({ version }: { version: GoalVersion }) {
  const { t } = useI18n();
  return (
    <article class="card" data-testid="version">
      <strong>{t((m) => m.goals.version, { version: version.version, hash: version.content_hash.slice(0, 12) })}</strong>
      <span class="muted">{t((m) => m.versionStatus[version.status])}</span>
      {version.reason && <span>{t((m) => m.goals.reason, { reason: version.reason })}</span>}
      <span>{version.content.title}</span>
      <span>{version.content.weight}%</span>
      {version.content.key_results.map((kr) => (
        <span key={kr.id}>
          {kr.title}: {kr.start_value} → {kr.target_value} {kr.unit}
        </span>
      ))}
      {version.signatures.map((s) => (
        <span key={s.role} class="muted">
          ✓ {s.signer.display_name}
        </span>
      ))}
    </article>
  );
}
