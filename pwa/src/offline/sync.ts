// The sync client (DESIGN.md §4): sends this person's outbox in order, parks what the server
// refuses for good, backs off on what may pass later, then pulls what the phone keeps for
// reading offline.
import { ApiError, type PullResult, type PushResult } from "../api/client";
import { authorized, storedSession } from "../session";
import { database, type OutboxEntry } from "./db";
import { entriesOf, park, removeEntries } from "./outbox";

const BATCH = 50;
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 5 * 60_000;
const DEVICE_KEY = "tandem.device";

export const syncEvents = new EventTarget();

function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

/** Network errors, 5xx and 429 may pass later; everything else about the whole request
 * (401 after a failed refresh) means: stop, keep the queue, try when signed in again. */
export function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);
}

let running: Promise<void> | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryDelay = FIRST_RETRY_MS;

/** Send, then pull. One run at a time; a request while one runs joins it. */
export function synchronize(userId: string): Promise<void> {
  running ??= run(userId).finally(() => {
    running = null;
    syncEvents.dispatchEvent(new Event("change"));
  });
  return running;
}

async function run(userId: string): Promise<void> {
  // Only the signed-in person's queue goes out, with their own token.
  if ((await storedSession())?.userId !== userId) return;
  try {
    await flush(userId);
    await pull(userId);
    retryDelay = FIRST_RETRY_MS;
  } catch (error) {
    if (!isTransient(error)) return;
    const wait = error instanceof ApiError && error.retryAfter ? error.retryAfter * 1000 : retryDelay;
    retryDelay = Math.min(retryDelay * 2, MAX_RETRY_MS);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void synchronize(userId), wait);
  }
}

async function flush(userId: string): Promise<void> {
  for (;;) {
    const waiting = (await entriesOf(userId)).filter((e) => !e.parked).slice(0, BATCH);
    if (waiting.length === 0) return;
    await send(waiting);
  }
}

async function send(entries: OutboxEntry[]): Promise<void> {
  let response: PushResult;
  try {
    response = await push(entries);
  } catch (error) {
    // The server could not read the batch at all (an entry this app wrote badly): send the
    // entries one by one so only the bad one is parked and the rest still go.
    if (error instanceof ApiError && error.status === 400 && entries.length > 1) {
      for (const entry of entries) await send([entry]);
      return;
    }
    if (error instanceof ApiError && error.status === 400) {
      await park(entries[0], { type: "about:blank", title: "Bad Request", status: 400, code: error.code, detail: "" });
      return;
    }
    throw error;
  }
  const done: string[] = [];
  for (const result of response.results) {
    const entry = entries.find((e) => e.id === result.id);
    if (!entry) continue;
    if (result.status === "rejected" && result.error) await park(entry, result.error);
    else done.push(entry.id);
  }
  await removeEntries(done);
}

function push(entries: OutboxEntry[]): Promise<PushResult> {
  return authorized<PushResult>("/api/sync/push", {
    method: "POST",
    body: JSON.stringify({
      device_id: deviceId(),
      mutations: entries.map((e) => ({ id: e.id, kind: e.kind, payload: e.payload, client_created_at: e.clientCreatedAt })),
    }),
  });
}

/** The items listed in `order`, each from `sent` or else as the phone holds it; null when the
 * phone lacks one its cursor says it holds. */
function merged(order: string[], sent: unknown[], held: unknown[]): unknown[] | null {
  const byId = new Map<string, unknown>();
  for (const item of [...held, ...sent]) byId.set((item as { id: string }).id, item);
  const items = order.map((id) => byId.get(id));
  return items.includes(undefined) ? null : items;
}

/** Pulls as a phone that merges (`partial`): the kudos feed comes as its order and only the
 * kudos this phone does not hold as they are. Should the store not hold what the cursor says
 * (cleared by hand, say), the pull is made again from scratch. */
async function pull(userId: string, fromScratch = false): Promise<void> {
  const db = await database();
  const meta = (await db.get("meta", userId)) ?? { userId, cursor: null, lastSyncedAt: null };
  const query = new URLSearchParams({ partial: "true" });
  if (meta.cursor && !fromScratch) query.set("cursor", meta.cursor);
  const result = await authorized<PullResult>(`/api/sync/pull?${query}`);
  const tx = db.transaction(["cache", "meta"], "readwrite");
  for (const change of result.changes) {
    let items: unknown[] | null = change.items;
    if ("order" in change && change.order) {
      const held = await tx.objectStore("cache").get([userId, change.collection]);
      items = merged(change.order, change.items, held?.items ?? []);
    }
    if (!items) {
      tx.abort();
      await tx.done.catch(() => undefined);
      return pull(userId, true);
    }
    await tx.objectStore("cache").put({ userId, collection: change.collection, items });
  }
  await tx.objectStore("meta").put({ userId, cursor: result.cursor, lastSyncedAt: new Date().toISOString() });
  await tx.done;
}

/** A collection from the last pull, for reading offline (empty before the first one). */
export async function cached<T>(userId: string, collection: string): Promise<T[]> {
  return ((await (await database()).get("cache", [userId, collection]))?.items as T[] | undefined) ?? [];
}

export async function lastSyncedAt(userId: string): Promise<string | null> {
  return (await (await database()).get("meta", userId))?.lastSyncedAt ?? null;
}
