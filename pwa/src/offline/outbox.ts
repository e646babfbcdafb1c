import { database } from "./db";

/** How many of this person's entries are still waiting on this device. Keyed by user, so
 * on a shared phone one person never sees (or sends) another's queue. */
export async function pendingCount(userId: string): Promise<number> {
  return (await database()).countFromIndex("outbox", "by_user", userId);
}
