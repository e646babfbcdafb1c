// Keeps the outbox moving and tells the UI where it stands. Sends at app start, when the
// network returns, when the app comes back to the front, on a timer, right after an entry
// is written, and when the service worker's background sync fires (where the browser has
// one; Safari and Firefox do not, so it is never the only trigger).
import { useEffect, useState } from "preact/hooks";
import { entriesOf, outboxEvents } from "./outbox";
import { lastSyncedAt, synchronize, syncEvents } from "./sync";

const TIMER_MS = 30_000;

export interface SyncState {
  waiting: number;
  attention: number;
  lastSyncedAt: string | null;
}

export function useSync(userId: string | undefined): SyncState {
  const [state, setState] = useState<SyncState>({ waiting: 0, attention: 0, lastSyncedAt: null });
  useEffect(() => {
    if (!userId) return;
    const refresh = async () => {
      const entries = await entriesOf(userId);
      const parked = entries.filter((e) => e.parked).length;
      setState({ waiting: entries.length - parked, attention: parked, lastSyncedAt: await lastSyncedAt(userId) });
    };
    const kick = () => {
      if (navigator.onLine) void synchronize(userId);
    };
    const onVisible = () => document.visibilityState === "visible" && kick();
    const onWorkerMessage = (event: MessageEvent) => event.data?.type === "flush" && kick();
    const onWritten = () => {
      void refresh();
      if (navigator.onLine) return kick();
      // Offline: ask the browser to wake us when the network is back.
      void navigator.serviceWorker?.ready.then((r) => (r as RegistrationWithSync).sync?.register("tandem-outbox")).catch(() => undefined);
    };
    void refresh();
    kick();
    outboxEvents.addEventListener("change", onWritten);
    syncEvents.addEventListener("change", refresh);
    addEventListener("online", kick);
    document.addEventListener("visibilitychange", onVisible);
    navigator.serviceWorker?.addEventListener("message", onWorkerMessage);
    const timer = setInterval(kick, TIMER_MS);
    return () => {
      outboxEvents.removeEventListener("change", onWritten);
      syncEvents.removeEventListener("change", refresh);
      removeEventListener("online", kick);
      document.removeEventListener("visibilitychange", onVisible);
      navigator.serviceWorker?.removeEventListener("message", onWorkerMessage);
      clearInterval(timer);
    };
  }, [userId]);
  return state;
}

type RegistrationWithSync = ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };
