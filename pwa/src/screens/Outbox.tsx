// Everything this phone still holds for the server: waiting entries, and entries the server
// refused for good, each with the reason and a way to fix and resend or discard it.
import { useState } from "preact/hooks";
import type { OutboxEntry } from "../offline/db";
import { removeEntries, resend } from "../offline/outbox";
import { summary, useOutbox } from "../offline/pending";
import { errorMessage, useI18n } from "../i18n";

// The words of an entry a person may fix before sending it again.
const FREE_TEXT = ["behaviour", "situation", "impact", "suggestion", "company_value", "highlights", "blockers", "support", "private_note", "note"] as const;
// Refusals the author can override after reading the coach's hint.
const COACHED = new Set(["kudos_not_specific", "feedback_labels"]);

export function Outbox({ userId }: { userId: string }) {
  const { t, locale } = useI18n();
  const entries = useOutbox(userId);
  const when = new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "short" });
  const parked = entries.filter((e) => e.parked);
  const waiting = entries.filter((e) => !e.parked);

  function discard(entry: OutboxEntry) {
    if (confirm(t((m) => m.sync.discardConfirm))) void removeEntries([entry.id]);
  }

  return (
    <main class="screen" data-testid="outbox">
      <h1>{t((m) => m.sync.outboxTitle)}</h1>
      {entries.length === 0 && <p class="muted">{t((m) => m.sync.outboxEmpty)}</p>}
      {parked.length > 0 && (
        <section>
          <h2>{t((m) => m.sync.attentionTitle)}</h2>
          <ul class="list" data-testid="parked">
            {parked.map((entry) => (
              <li key={entry.id} class="card attention-card">
                <strong>{summary(t, entry)}</strong>
                <span class="error">{errorMessage(t, entry.parked!.code)}</span>
                {entry.parked!.errors?.map((e, i) => (
                  <span key={i} class="muted">
                    {e.field}: {e.message}
                  </span>
                ))}
                <FixForm entry={entry} />
                <div class="actions">
                  {COACHED.has(entry.parked!.code) && (
                    <button class="primary" onClick={() => void resend(entry, { ...entry.payload, coached: true })} data-testid="send-as-written">
                      {t((m) => m.sync.sendAsWritten)}
                    </button>
                  )}
                  <button class="quiet" onClick={() => discard(entry)} data-testid="discard">
                    {t((m) => m.sync.discard)}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
      {waiting.length > 0 && (
        <section>
          <h2>{t((m) => m.sync.waitingTitle)}</h2>
          <ul class="list" data-testid="waiting">
            {waiting.map((entry) => (
              <li key={entry.id} class="card pending">
                <span>{summary(t, entry)}</span>
                <time class="muted">{when.format(new Date(entry.clientCreatedAt))}</time>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

/** Fix the words of a refused entry and send it again (as a new entry, in its old place). */
function FixForm({ entry }: { entry: OutboxEntry }) {
  const { t } = useI18n();
  const texts = FREE_TEXT.filter((name) => typeof entry.payload[name] === "string" && entry.payload[name] !== "").map((name) => [name, entry.payload[name] as string] as const);
  const [fixing, setFixing] = useState(false);
  const [values, setValues] = useState<Record<string, string>>(Object.fromEntries(texts));
  if (texts.length === 0) return null;
  if (!fixing) {
    return (
      <button class="quiet" onClick={() => setFixing(true)} data-testid="fix">
        {t((m) => m.sync.fix)}
      </button>
    );
  }
  return (
    <form class="stack" onSubmit={(e) => (e.preventDefault(), void resend(entry, { ...entry.payload, ...values }))}>
      {texts.map(([name]) => (
        <label key={name}>
          {t((m) => m.sync.fields[name])}
          <textarea value={values[name]} onInput={(e) => setValues({ ...values, [name]: e.currentTarget.value })} data-testid={`fix-${name}`} />
        </label>
      ))}
      <button class="primary" type="submit" data-testid="resend">
        {t((m) => m.sync.resend)}
      </button>
    </form>
  );
}
