/// <reference lib="webworker" />
// The service worker: precaches the app shell so Tandem opens with no network, and answers
// every in-app navigation with the shell. API calls always go to the network.
import { clientsClaim } from "workbox-core";
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
registerRoute(
  new NavigationRoute(createHandlerBoundToURL("/index.html"), {
    denylist: [/^\/api\//, /^\/schema\//, /^\/healthz$/, /^\/readyz$/],
  }),
);

// Background sync (Chromium): the page registers "tandem-outbox" when an entry is written
// offline; when the network is back this fires and asks the open pages to send. The access
// token lives only in the pages, so they do the sending.
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
}
self.addEventListener("sync", ((event: SyncEvent) => {
  if (event.tag !== "tandem-outbox") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((pages) => pages.forEach((page) => page.postMessage({ type: "flush" }))),
  );
}) as EventListener);

// Web Push: every push shows a notification (browsers revoke subscriptions that stay
// silent). The payload holds a neutral title and body, the screen to open and a tag; one
// that cannot be read still shows something, in the phone's language.
const FALLBACK: Record<string, { title: string; body: string }> = {
  zh: { title: "同行", body: "有一条新消息，打开同行查看。" },
  en: { title: "Tandem", body: "Something new is waiting for you in Tandem." },
};

interface PushPayload {
  title: string;
  body: string;
  url: string;
  tag: string;
}

function readPayload(event: PushEvent): PushPayload {
  try {
    const data = event.data?.json() as Partial<PushPayload> | undefined;
    if (data && typeof data.title === "string" && typeof data.body === "string") {
      return { title: data.title, body: data.body, url: typeof data.url === "string" ? data.url : "/", tag: data.tag ?? "" };
    }
  } catch {
    // unreadable: the fallback below
  }
  const text = FALLBACK[self.navigator.language.toLowerCase().startsWith("zh") ? "zh" : "en"];
  return { ...text, url: "/", tag: "" };
}

self.addEventListener("push", (event: PushEvent) => {
  const payload = readPayload(event);
  event.waitUntil(
    self.registration.showNotification(payload.title, {
      body: payload.body,
      tag: payload.tag || undefined,
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: { url: payload.url },
    }),
  );
});

// A tap opens the screen it is about: in an open Tandem window if there is one.
self.addEventListener("notificationclick", (event: NotificationEvent) => {
  event.notification.close();
  const path = typeof event.notification.data?.url === "string" && event.notification.data.url.startsWith("/") ? event.notification.data.url : "/";
  const target = new URL(path, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(async (windows) => {
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        await open.navigate(target);
        return;
      }
      await self.clients.openWindow(target);
    }),
  );
});
