// The signed-in session. The refresh token and the last known profile are kept in IndexedDB
// so the app opens offline; the short-lived access token only in memory.
import { ApiError, call, forgetAnswers, respond, type Me, type TokenPair } from "./api/client";
import { database, type StoredSession } from "./offline/db";

let accessToken: string | null = null;
let accessExpiresAt = 0;
// One refresh at a time: two parallel refreshes would replay a rotated token and the server
// would end the whole session as a suspected theft.
let refreshing: Promise<string> | null = null;
const EXPIRY_MARGIN_MS = 30_000;

function remember(tokens: TokenPair): void {
  accessToken = tokens.access_token;
  accessExpiresAt = Date.now() + tokens.expires_in * 1000 - EXPIRY_MARGIN_MS;
}

export async function signIn(email: string, password: string): Promise<StoredSession> {
  const tokens = await call<TokenPair>("/api/auth/login", {
    method: "POST",
    body: JSON.stringify({ email, password }),
  });
  remember(tokens);
  const me = await call<Me>("/api/me", {}, tokens.access_token);
  const session = { userId: me.id, refreshToken: tokens.refresh_token, me };
  await (await database()).put("session", session, "current");
  // Ask the browser not to evict our data (the outbox) under storage pressure.
  void navigator.storage?.persist?.();
  return session;
}

export async function storedSession(): Promise<StoredSession | null> {
  return (await (await database()).get("session", "current")) ?? null;
}

async function refreshAccessToken(): Promise<string> {
  const session = await storedSession();
  if (!session) throw new ApiError(401, "session_expired");
  const tokens = await call<TokenPair>("/api/auth/refresh", {
    method: "POST",
    body: JSON.stringify({ refresh_token: session.refreshToken }),
  });
  remember(tokens);
  await (await database()).put("session", { ...session, refreshToken: tokens.refresh_token }, "current");
  return tokens.access_token;
}

async function freshAccessToken(): Promise<string> {
  if (accessToken && Date.now() < accessExpiresAt) return accessToken;
  refreshing ??= refreshAccessToken().finally(() => (refreshing = null));
  return refreshing;
}

/** An expired access token is refreshed once and the request sent again. */
async function withAccessToken<T>(send: (token: string) => Promise<T>): Promise<T> {
  try {
    return await send(await freshAccessToken());
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && error.code === "token_expired") {
      accessToken = null;
      return send(await freshAccessToken());
    }
    throw error;
  }
}

/** An authenticated call, answered in JSON. */
export function authorized<T>(path: string, init: RequestInit = {}): Promise<T> {
  return withAccessToken((token) => call<T>(path, init, token));
}

/** An authenticated request whose answer is read as it comes (a file to download). */
export function authorizedResponse(path: string): Promise<Response> {
  return withAccessToken((token) => respond(path, {}, token));
}

export async function updateStoredProfile(me: Me): Promise<void> {
  const session = await storedSession();
  if (session) await (await database()).put("session", { ...session, me }, "current");
}

/** Ends the session here and on the server. Queued entries stay in the outbox, keyed by
 * user: they are sent after this person signs in again, never with someone else's token. */
export async function signOut(): Promise<void> {
  const session = await storedSession();
  accessToken = null;
  forgetAnswers();
  await (await database()).delete("session", "current");
  if (session) {
    await call("/api/auth/logout", {
      method: "POST",
      body: JSON.stringify({ refresh_token: session.refreshToken }),
    }).catch(() => undefined); // offline: the refresh token expires on its own
  }
}
