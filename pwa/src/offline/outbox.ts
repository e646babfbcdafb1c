// The outbox: entries written on this phone, waiting for the server. Keyed by user, so on a
// shared phone one person never sees (or sends) another's queue.
import { database, type OutboxEntry } from "./db";

export type MutationKind =
  | "checkin.prepare"
  | "checkin.submit"
  | "checkin.confirm"
  | "action.complete"
  | "kudos.create"
  | "kudos.react"
  | "feedback.create"
  | "kr.progress";

/** Anything that changes what the sync status shows: an entry written, sent or parked. */
export const outboxEvents = new EventTarget();
const changed = () => outboxEvents.dispatchEvent(new Event("change"));

let lastSeq = 0;
function nextSeq(): number {
  // Increasing on this device even when two entries are written in the same millisecond.
  lastSeq = Math.max(Date.now(), lastSeq + 1);
  return lastSeq;
}

/** Keeps the entry on the device before anything says "saved": the promise resolves only
 * once IndexedDB has committed it (strict durability: flushed to disk). */
export async function enqueue(userId: string, kind: MutationKind, payload: Record<string, unknown>, id: string = crypto.randomUUID()): Promise<OutboxEntry> {
  const entry: OutboxEntry = { id, userId, kind, payload, clientCreatedAt: new Date().toISOString(), seq: nextSeq() };
  const tx = (await database()).transaction("outbox", "readwrite", { durability: "strict" });
  await tx.store.put(entry);
  await tx.done;
  changed();
  return entry;
}

/** This person's entries in the order they were written. */
export async function entriesOf(userId: string): Promise<OutboxEntry[]> {
  const range = IDBKeyRange.bound([userId, -Infinity], [userId, Infinity]);
  return (await database()).getAllFromIndex("outbox", "by_user_seq", range);
}

export async function removeEntries(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const tx = (await database()).transaction("outbox", "readwrite");
  await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
  changed();
}

export async function park(entry: OutboxEntry, problem: NonNullable<OutboxEntry["parked"]>): Promise<void> {
  await (await database()).put("outbox", { ...entry, parked: problem });
  changed();
}

/** A parked entry, fixed: written again as a new entry (a new id, since the server keeps
 * the refused one under the old id) in the old one's place in the queue. */
export async function resend(entry: OutboxEntry, payload: Record<string, unknown>): Promise<void> {
  const tx = (await database()).transaction("outbox", "readwrite", { durability: "strict" });
  await tx.store.delete(entry.id);
  await tx.store.put({ ...entry, id: crypto.randomUUID(), payload, parked: undefined, clientCreatedAt: new Date().toISOString() });
  await tx.done;
  changed();
}
