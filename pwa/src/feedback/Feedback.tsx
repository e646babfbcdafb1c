// Recognition and feedback: the kudos feed with reactions, a kudos composer that coaches
// generic praise, an SBI composer that flags labels, and the feedback I received. Entries go
// through the outbox, so all of it works offline; reading comes from the last pull.
import { useEffect, useState } from "preact/hooks";
import type { Feedback as FeedbackRead, Goal, GoalSummary, Kudos, KudosPage, PersonCard } from "../api/client";
import { ChipTabs } from "../components/ChipTabs";
import { PersonPicker, type Chosen } from "../components/PersonPicker";
import { useI18n } from "../i18n";
import { useNewest } from "../newest";
import { enqueue } from "../offline/outbox";
import { PendingList, useCached } from "../offline/pending";
import { authorized } from "../session";
import { isSpecific, labelsIn } from "./coach";

const EMOJI = { clap: "👏", heart: "❤️", thumbs_up: "👍", star: "⭐", fire: "🔥" } as const;
type Emoji = keyof typeof EMOJI;
const SBI_FIELDS = ["situation", "behaviour", "impact", "suggestion"] as const;

export function Feedback({ userId, online }: { userId: string; online: boolean }) {
  const { t } = useI18n();
  const [composing, setComposing] = useState<"kudos" | "sbi" | null>(null);
  const [saved, setSaved] = useState(false);
  const feed = useCached<Kudos>(userId, "kudos");
  const received = useCached<FeedbackRead>(userId, "feedback_received");
  // People this phone knows, for choosing offline: my manager, peers and reports, and
  // everyone in the feed.
  const team = useCached<PersonCard>(userId, "team");
  const colleagues = useCached<PersonCard>(userId, "colleagues");
  const known = dedupe([...colleagues, ...feed.flatMap((k) => [k.author, ...k.recipients])].filter((p) => p.id !== userId));
  // Goals a kudos may name, offline too: mine and my team's.
  const myGoals = useCached<Goal>(userId, "goals");
  const teamGoals = useCached<GoalSummary>(userId, "team_goals");
  const goals = dedupe([...myGoals, ...teamGoals].map((g) => ({ id: g.id, title: g.title })));
  const done = () => {
    setComposing(null);
    setSaved(true);
  };

  return (
    <main class="screen" data-testid="feedback">
      <h1>{t((m) => m.feedback.title)}</h1>
      {saved && (
        <p class="notice" role="status" data-testid="saved">
          {online ? t((m) => m.sync.savedSending) : t((m) => m.sync.savedOffline)}
        </p>
      )}
      {composing === null && (
        <div class="actions row">
          <button class="primary" onClick={() => (setSaved(false), setComposing("kudos"))} data-testid="give-kudos">
            {t((m) => m.feedback.giveKudos)}
          </button>
          <button class="quiet" onClick={() => (setSaved(false), setComposing("sbi"))} data-testid="give-feedback">
            {t((m) => m.feedback.giveFeedback)}
          </button>
        </div>
      )}
      {composing === "kudos" && <KudosComposer userId={userId} known={known} goals={goals} online={online} onDone={done} onCancel={() => setComposing(null)} />}
      {composing === "sbi" && <SbiComposer userId={userId} known={known} online={online} onDone={done} onCancel={() => setComposing(null)} />}
      <PendingList userId={userId} kinds={["kudos.create", "feedback.create"]} />
      <KudosFeed userId={userId} cached={feed} online={online} />
      <FeedbackBoxes received={received} online={online} manages={team.length > 0} />
    </main>
  );
}

type Show = "feed" | "received" | "given";

/** The company feed, or the kudos I received or gave: from the server when online (the
 * whole list), else from the last pull (the newest of the feed). */
function KudosFeed({ userId, cached, online }: { userId: string; cached: Kudos[]; online: boolean }) {
  const { t } = useI18n();
  const [show, setShow] = useState<Show>("feed");
  const [fetched, setFetched] = useState<Kudos[] | null>(null);
  const newest = useNewest();
  useEffect(() => {
    setFetched(null);
    if (show !== "feed" && online) newest(authorized<KudosPage>(`/api/kudos?show=${show}&limit=100`)).then((page) => setFetched(page.items), () => setFetched(null));
  }, [show, online]);
  const mine = (k: Kudos) => (show === "given" ? k.author.id === userId : k.recipients.some((r) => r.id === userId));
  const shown = show === "feed" ? cached : (fetched ?? cached.filter(mine));
  return (
    <section>
      <h2>{t((m) => m.feedback.feed)}</h2>
      <ChipTabs options={["feed", "received", "given"] as Show[]} chosen={show} onChoose={setShow} label={(s) => t((m) => m.feedback.shows[s])} testId={(s) => `kudos-show-${s}`} />
      {shown.length === 0 && <p class="muted">{show === "feed" ? t((m) => m.feedback.feedEmpty) : t((m) => m.feedback.receivedEmpty)}</p>}
      <ul class="list" data-testid="kudos-feed">
        {shown.map((kudos) => (
          <KudosCard key={kudos.id} userId={userId} kudos={kudos} />
        ))}
      </ul>
    </section>
  );
}

type Box = "received" | "given" | "team";

/** SBI feedback: what I received (kept for offline), what I gave, and for a manager what
 * authors shared about the team (both read online). */
function FeedbackBoxes({ received, online, manages }: { received: FeedbackRead[]; online: boolean; manages: boolean }) {
  const { t } = useI18n();
  const [box, setBox] = useState<Box>("received");
  const [fetched, setFetched] = useState<FeedbackRead[] | null>(null);
  const newest = useNewest();
  useEffect(() => {
    setFetched(null);
    if (box !== "received" && online) newest(authorized<FeedbackRead[]>(`/api/me/feedback?box=${box}`)).then(setFetched, () => setFetched([]));
  }, [box, online]);
  const boxes: Box[] = manages ? ["received", "given", "team"] : ["received", "given"];
  const shown = box === "received" ? received : (fetched ?? []);
  return (
    <section>
      <h2>{t((m) => m.feedback.constructive)}</h2>
      <ChipTabs options={boxes} chosen={box} onChoose={setBox} label={(b) => t((m) => m.feedback.boxes[b])} testId={(b) => `box-${b}`} />
      {box !== "received" && !online && <p class="muted">{t((m) => m.feedback.needsNetwork)}</p>}
      {shown.length === 0 && (online || box === "received") && <p class="muted">{t((m) => m.feedback.receivedEmpty)}</p>}
      <ul class="list" data-testid={`feedback-${box}`}>
        {shown.map((f) => (
          <li key={f.id} class="card">
            <span class="muted">{box === "received" ? f.author.display_name : `${f.author.display_name} → ${f.recipient.display_name}`}</span>
            <span>
              <b>{t((m) => m.feedback.situation)}</b> {f.situation}
            </span>
            <span>
              <b>{t((m) => m.feedback.behaviour)}</b> {f.behaviour}
            </span>
            <span>
              <b>{t((m) => m.feedback.impact)}</b> {f.impact}
            </span>
            {f.suggestion && (
              <span>
                <b>{t((m) => m.feedback.suggestion)}</b> {f.suggestion}
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function dedupe<T extends { id: string }>(people: T[]): T[] {
  return [...new Map(people.map((p) => [p.id, p])).values()];
}

function KudosCard({ userId, kudos }: { userId: string; kudos: Kudos }) {
  const { t } = useI18n();
  // Reactions change on this phone at once; the outbox carries them to the server.
  const [mine, setMine] = useState<Record<string, boolean>>(() => Object.fromEntries(kudos.reactions.map((r) => [r.emoji, r.mine])));
  const counts = Object.fromEntries(kudos.reactions.map((r) => [r.emoji, r.count - (r.mine ? 1 : 0)]));
  const toggle = (emoji: Emoji) => {
    const on = !mine[emoji];
    setMine({ ...mine, [emoji]: on });
    void enqueue(userId, "kudos.react", { kudos_id: kudos.id, emoji, on });
  };
  return (
    <li class="card" data-testid="kudos">
      <span class="muted">
        {t((m) => m.feedback.from, { author: kudos.author.display_name, recipients: kudos.recipients.map((r) => r.display_name).join("、") })}
        {kudos.visibility === "private" && ` · ${t((m) => m.feedback.private)}`}
      </span>
      <span>{kudos.behaviour}</span>
      {(kudos.goal_title || kudos.company_value) && <span class="chip">{kudos.goal_title ?? kudos.company_value}</span>}
      <span class="chips">
        {(Object.keys(EMOJI) as Emoji[]).map((emoji) => {
          const count = (counts[emoji] ?? 0) + (mine[emoji] ? 1 : 0);
          return (
            <button key={emoji} type="button" class={`chip reaction ${mine[emoji] ? "attention" : ""}`} aria-pressed={!!mine[emoji]} onClick={() => toggle(emoji)}>
              {EMOJI[emoji]} {count > 0 ? count : ""}
            </button>
          );
        })}
      </span>
    </li>
  );
}

/** Online: the directory search. Offline: the people this phone already knows. */
function Recipient({ label, known, online, chosen, onChoose, testId }: { label: string; known: Chosen[]; online: boolean; chosen: Chosen | null; onChoose: (p: Chosen | null) => void; testId: string }) {
  if (online || chosen) return <PersonPicker label={label} chosen={chosen} onChoose={onChoose} testId={testId} />;
  return (
    <label>
      {label}
      <select value="" onChange={(e) => onChoose(known.find((p) => p.id === e.currentTarget.value) ?? null)} data-testid={`${testId}-offline`}>
        <option value="" disabled />
        {known.map((p) => (
          <option key={p.id} value={p.id}>
            {p.display_name}
          </option>
        ))}
      </select>
    </label>
  );
}

interface ComposerProps {
  userId: string;
  known: Chosen[];
  online: boolean;
  onDone: () => void;
  onCancel: () => void;
}

interface GoalChoice {
  id: string;
  title: string;
}

/** After the coach spoke, the send button says the text goes as written. */
function SendOrCancel({ coached, disabled, testId, onCancel }: { coached: boolean; disabled: boolean; testId: string; onCancel: () => void }) {
  const { t } = useI18n();
  return (
    <div class="actions">
      <button class="primary" type="submit" disabled={disabled} data-testid={testId}>
        {coached ? t((m) => m.feedback.sendAnyway) : t((m) => m.feedback.send)}
      </button>
      <button type="button" class="quiet" onClick={onCancel}>
        {t((m) => m.goals.cancel)}
      </button>
    </div>
  );
}

function KudosComposer({ userId, known, goals, online, onDone, onCancel }: ComposerProps & { goals: GoalChoice[] }) {
  const { t } = useI18n();
  const [recipients, setRecipients] = useState<Chosen[]>([]);
  const [behaviour, setBehaviour] = useState("");
  const [goalId, setGoalId] = useState("");
  const [value, setValue] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  // The coach speaks once; a second press sends the text as written.
  const [coachedText, setCoachedText] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    const specific = isSpecific(behaviour);
    if (!specific && coachedText === null) {
      setCoachedText(behaviour);
      return;
    }
    await enqueue(userId, "kudos.create", {
      recipient_ids: recipients.map((r) => r.id),
      behaviour,
      goal_id: goalId || null,
      company_value: value,
      visibility: isPrivate ? "private" : "public",
      coached: !specific,
    });
    onDone();
  }

  return (
    <form class="stack card" onSubmit={submit} data-testid="kudos-composer">
      <h2>{t((m) => m.feedback.giveKudos)}</h2>
      {recipients.length > 0 && (
        <span class="chips">
          {recipients.map((r) => (
            <button key={r.id} type="button" class="chip" onClick={() => setRecipients(recipients.filter((x) => x.id !== r.id))}>
              {r.display_name} ×
            </button>
          ))}
        </span>
      )}
      <Recipient
        label={t((m) => m.feedback.to)}
        known={known.filter((p) => !recipients.some((r) => r.id === p.id))}
        online={online}
        chosen={null}
        onChoose={(p) => p && setRecipients([...recipients, p])}
        testId="kudos-recipient"
      />
      <label>
        {t((m) => m.feedback.whatTheyDid)}
        <textarea required maxLength={2000} placeholder={t((m) => m.feedback.whatTheyDidHint)} value={behaviour} onInput={(e) => setBehaviour(e.currentTarget.value)} data-testid="kudos-behaviour" />
      </label>
      {coachedText !== null && !isSpecific(behaviour) && (
        <p class="notice" role="status" data-testid="coach">
          {t((m) => m.feedback.coachGeneric)}
        </p>
      )}
      {goals.length > 0 && (
        <label>
          {t((m) => m.feedback.relatedGoal)}
          <select value={goalId} onChange={(e) => setGoalId(e.currentTarget.value)} data-testid="kudos-goal">
            <option value="">{t((m) => m.feedback.noGoal)}</option>
            {goals.map((g) => (
              <option key={g.id} value={g.id}>
                {g.title}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        {t((m) => m.feedback.companyValue)}
        <input maxLength={100} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
      <label class="check">
        <input type="checkbox" checked={isPrivate} onChange={(e) => setPrivate(e.currentTarget.checked)} data-testid="kudos-private" />
        {t((m) => m.feedback.privateHint)}
      </label>
      <SendOrCancel coached={coachedText !== null && !isSpecific(behaviour)} disabled={recipients.length === 0} testId="kudos-send" onCancel={onCancel} />
    </form>
  );
}

function SbiComposer({ userId, known, online, onDone, onCancel }: ComposerProps) {
  const { t } = useI18n();
  const [recipient, setRecipient] = useState<Chosen | null>(null);
  const [text, setText] = useState<Record<(typeof SBI_FIELDS)[number], string>>({ situation: "", behaviour: "", impact: "", suggestion: "" });
  const [share, setShare] = useState(false);
  const [coached, setCoached] = useState(false);
  const labels = SBI_FIELDS.flatMap((field) => labelsIn(text[field]));

  async function submit(e: Event) {
    e.preventDefault();
    if (labels.length > 0 && !coached) {
      setCoached(true);
      return;
    }
    await enqueue(userId, "feedback.create", { recipient_id: recipient!.id, ...text, share_with_manager: share, coached: labels.length > 0 });
    onDone();
  }

  return (
    <form class="stack card" onSubmit={submit} data-testid="sbi-composer">
      <h2>{t((m) => m.feedback.giveFeedback)}</h2>
      <p class="muted">{t((m) => m.feedback.sbiHint)}</p>
      <Recipient label={t((m) => m.feedback.to)} known={known} online={online} chosen={recipient} onChoose={setRecipient} testId="sbi-recipient" />
      {SBI_FIELDS.map((field) => (
        <label key={field}>
          {t((m) => m.feedback[field])}
          <textarea
            required={field !== "suggestion"}
            maxLength={2000}
            placeholder={t((m) => m.feedback[`${field}Hint`])}
            value={text[field]}
            onInput={(e) => setText({ ...text, [field]: e.currentTarget.value })}
            data-testid={`sbi-${field}`}
          />
        </label>
      ))}
      {coached && labels.length > 0 && (
        <p class="notice" role="status" data-testid="coach">
          {t((m) => m.feedback.coachLabels, { words: labels.join("、") })}
        </p>
      )}
      <label class="check">
        <input type="checkbox" checked={share} onChange={(e) => setShare(e.currentTarget.checked)} />
        {t((m) => m.feedback.shareWithManager)}
      </label>
      <SendOrCancel coached={coached && labels.length > 0} disabled={!recipient} testId="sbi-send" onCancel={onCancel} />
    </form>
  );
}
