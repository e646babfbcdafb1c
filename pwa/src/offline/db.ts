// The device database. Everything that must survive a reload or a lost network lives here:
// the signed-in session (so the app opens offline) and, per user, the outbox of entries
// waiting to be sent (filled by the sync client).
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Me } from "../api/client";

export interface StoredSession {
  userId: string;
  refreshToken: string;
  me: Me;
}

export interface OutboxEntry {
  id: string; // the mutation id: the server's idempotency key
  userId: string;
  kind: string;
  payload: unknown;
  clientCreatedAt: string;
}

interface TandemDB extends DBSchema {
  session: { key: "current"; value: StoredSession };
  outbox: { key: string; value: OutboxEntry; indexes: { by_user: string } };
}

let opened: Promise<IDBPDatabase<TandemDB>> | null = null;

export function database(): Promise<IDBPDatabase<TandemDB>> {
  opened ??= openDB<TandemDB>("tandem", 1, {
    upgrade(db) {
      db.createObjectStore("session");
      db.createObjectStore("outbox", { keyPath: "id" }).createIndex("by_user", "userId");
    },
  });
  return opened;
}
