// The device database. Everything that must survive a reload or a lost network lives here:
// the signed-in session (so the app opens offline), per user the outbox of entries waiting
// to be sent, and per user the collections the last pull brought (read offline).
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Me, Problem } from "../api/client";

export interface StoredSession {
  userId: string;
  refreshToken: string;
  me: Me;
}

export interface OutboxEntry {
  id: string; // the mutation id: the server's idempotency key
  userId: string;
  kind: string;
  payload: Record<string, unknown>;
  clientCreatedAt: string;
  // The order the person wrote entries on this device; they are sent in this order.
  seq: number;
  // Set when the server refused the entry for good: shown to the person to fix or discard.
  parked?: Problem;
}

export interface CachedCollection {
  userId: string;
  collection: string;
  items: unknown[];
}

export interface SyncMeta {
  userId: string;
  cursor: string | null;
  lastSyncedAt: string | null;
}

interface TandemDB extends DBSchema {
  session: { key: "current"; value: StoredSession };
  outbox: { key: string; value: OutboxEntry; indexes: { by_user: string; by_user_seq: [string, number] } };
  cache: { key: [string, string]; value: CachedCollection };
  meta: { key: string; value: SyncMeta };
}

let opened: Promise<IDBPDatabase<TandemDB>> | null = null;

export function database(): Promise<IDBPDatabase<TandemDB>> {
  opened ??= openDB<TandemDB>("tandem", 2, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore("session");
        db.createObjectStore("outbox", { keyPath: "id" }).createIndex("by_user", "userId");
      }
      if (oldVersion < 2) {
        // Version 1 queued entries keep their place: they had no seq, so they go first.
        const outbox = tx.objectStore("outbox");
        outbox.createIndex("by_user_seq", ["userId", "seq"]);
        void outbox.openCursor().then(async function backfill(cursor): Promise<void> {
          if (!cursor) return;
          if (typeof cursor.value.seq !== "number") await cursor.update({ ...cursor.value, seq: 0 });
          return backfill(await cursor.continue());
        });
        db.createObjectStore("cache", { keyPath: ["userId", "collection"] });
        db.createObjectStore("meta", { keyPath: "userId" });
      }
    },
  });
  return opened;
}
