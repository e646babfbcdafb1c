import { useEffect, useState } from "preact/hooks";
import type { NotificationPage } from "../api/client";
import { useI18n } from "../i18n";
import { authorized } from "../session";

/** Every notification, pushed or not, newest first; a tap marks it read and opens it. */
export function Inbox({ online, navigate, onRead }: { online: boolean; navigate: (path: string) => void; onRead: () => void }) {
  const { t, locale } = useI18n();
  const [page, setPage] = useState<NotificationPage | null>(null);
  const time = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });

  function load() {
    authorized<NotificationPage>(`/api/me/notifications?locale=${locale}`).then(setPage, () => undefined);
  }
  useEffect(() => {
    if (online) load();
  }, [online, locale]);

  async function markRead(ids: string[] | null) {
    await authorized("/api/me/notifications/read", { method: "POST", body: JSON.stringify(ids ? { ids } : {}) });
    onRead();
    load();
  }

  async function open(id: string, readAt: string | null, url: string) {
    if (!readAt) await markRead([id]).catch(() => undefined);
    navigate(url.startsWith("/") ? url : "/");
  }

  return (
    <main class="screen">
      <h1>{t((m) => m.notifications.title)}</h1>
      {!online && <p class="muted">{t((m) => m.notifications.needsNetwork)}</p>}
      {page?.items.length === 0 && <p class="muted">{t((m) => m.notifications.empty)}</p>}
      {page && page.unread > 0 && (
        <button class="quiet wide" data-testid="mark-all-read" onClick={() => void markRead(null)}>
          {t((m) => m.notifications.markAllRead)}
        </button>
      )}
      <ul class="list" data-testid="notifications">
        {page?.items.map((n) => (
          <li key={n.id}>
            <button class={`card wide notification ${n.read_at ? "" : "unread"}`} data-testid={`notification-${n.kind}`} onClick={() => void open(n.id, n.read_at, n.url)}>
              <strong>{n.title}</strong>
              <span>{n.body}</span>
              <time class="muted" dateTime={n.created_at}>
                {time.format(new Date(n.created_at))}
              </time>
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}
