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
