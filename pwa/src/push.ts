// Web Push on this device. Permission is asked only from a tap (browsers penalise prompts on
// load, and people say no to them); the subscription is sent again at every start, so the
// server always has the current one; signing out ends it, so the next person on a shared
// phone does not get the previous person's notifications.
import type { VapidPublicKey } from "./api/client";
import { authorized } from "./session";

export type PushState = "unsupported" | "install-first" | "blocked" | "off" | "on";

function isAppleMobile(): boolean {
  return /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

function installed(): boolean {
  return matchMedia("(display-mode: standalone)").matches || (navigator as { standalone?: boolean }).standalone === true;
}

async function registration(): Promise<ServiceWorkerRegistration | null> {
  if (!("serviceWorker" in navigator)) return null;
  return (await navigator.serviceWorker.getRegistration()) ?? null;
}

export async function pushState(): Promise<PushState> {
  // On iPhone and iPad, Web Push exists only for apps added to the Home Screen.
  if (isAppleMobile() && !installed()) return "install-first";
  if (!("PushManager" in window) || !("Notification" in window)) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  const current = await (await registration())?.pushManager.getSubscription();
  return current && Notification.permission === "granted" ? "on" : "off";
}

async function upload(subscription: PushSubscription): Promise<void> {
  const { endpoint, keys } = subscription.toJSON();
  await authorized("/api/push/subscription", { method: "PUT", body: JSON.stringify({ endpoint, keys }) });
}

/** From a tap: ask, subscribe, tell the server. -> the state after. */
export async function turnOn(): Promise<PushState> {
  const ready = await navigator.serviceWorker.ready;
  if ((await Notification.requestPermission()) !== "granted") return pushState();
  const { application_server_key } = await authorized<VapidPublicKey>("/api/push/vapid-public-key");
  const subscription = await ready.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: application_server_key, // base64url, as the Push API takes it
  });
  await upload(subscription);
  return "on";
}

export async function turnOff(): Promise<PushState> {
  const subscription = await (await registration())?.pushManager.getSubscription();
  if (subscription) {
    await authorized(`/api/push/subscription?endpoint=${encodeURIComponent(subscription.endpoint)}`, { method: "DELETE" }).catch(() => undefined);
    await subscription.unsubscribe();
  }
  return pushState();
}

/** At every start, signed in and online: the server gets the current subscription again. */
export async function resendSubscription(): Promise<void> {
  if (Notification.permission !== "granted") return;
  const subscription = await (await registration())?.pushManager.getSubscription();
  if (subscription) await upload(subscription);
}

/** At sign-out: this device stops receiving (the server drops it with the sign-in). */
export async function forgetSubscription(): Promise<void> {
  const subscription = await (await registration())?.pushManager.getSubscription();
  await subscription?.unsubscribe();
}
