// What the screens read offline: entries written on this phone and not yet on the server
// (listed where they were written, so nothing seems lost) and the collections of the last pull.
import { useEffect, useState } from "preact/hooks";
import { useI18n, type Translate } from "../i18n";
import type { OutboxEntry } from "./db";
import { entriesOf, outboxEvents } from "./outbox";
import { cached, syncEvents } from "./sync";

export function useOutbox(userId: string): OutboxEntry[] {
  const [entries, setEntries] = useState<OutboxEntry[]>([]);
  useEffect(() => {
    const load = () => void entriesOf(userId).then(setEntries);
    load();
    outboxEvents.addEventListener("change", load);
    return () => outboxEvents.removeEventListener("change", load);
  }, [userId]);
  return entries;
}

/** A line that says what an entry is, from whatever text it carries. */
export function summary(t: Translate, entry: OutboxEntry): string {
  const p = entry.payload as Record<string, unknown>;
  const text = [p.behaviour, p.highlights, p.situation, p.value, ...Object.values((p.answers as Record<string, string>) ?? {})].find(
    (v) => typeof v === "string" && v.length > 0,
  );
  const kind = t((m) => (m.entryKind as Record<string, string>)[entry.kind] ?? entry.kind);
  return text ? `${kind} · ${String(text).slice(0, 60)}` : kind;
}

export function PendingList({ userId, kinds }: { userId: string; kinds: string[] }) {
  const { t } = useI18n();
  const entries = useOutbox(userId).filter((e) => kinds.includes(e.kind) && !e.parked);
  if (entries.length === 0) return null;
  return (
    <section>
      <h2>{t((m) => m.sync.waitingTitle)}</h2>
      <ul class="list" data-testid="pending">
        {entries.map((entry) => (
          <li key={entry.id} class="card pending">
            <span>{summary(t, entry)}</span>
            <span class="muted">{t((m) => m.sync.savedHere)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A collection from the last pull, kept current as pulls arrive. */
export function useCached<T>(userId: string, collection: string): T[] {
  const [items, setItems] = useState<T[]>([]);
  useEffect(() => {
    const load = () => void cached<T>(userId, collection).then(setItems);
    load();
    syncEvents.addEventListener("change", load);
    return () => syncEvents.removeEventListener("change", load);
  }, [userId, collection]);
  return items;
}
