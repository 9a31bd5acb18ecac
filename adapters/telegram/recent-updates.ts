/**
 * Remembers which update ids a bot has already taken in. Telegram delivers an update again when a
 * webhook call was slow or failed, and a poller can receive an update again when its offset was not
 * confirmed; without this, the same question would be answered twice.
 *
 * The interface is all the adapter sees, so the in-memory set below can later be swapped for a
 * shared store (update ids are per bot: one instance per bot token).
 */
import { LRUCache } from "lru-cache";

export interface RecentUpdates {
  /** True when `updateId` was seen before; otherwise records it and returns false. */
  seen(updateId: number): boolean;
}

/**
 * Enough for far more updates than Telegram ever redelivers (it retries a webhook for minutes, not
 * days); about a megabyte of heap when full.
 */
export const DEFAULT_RECENT_UPDATE_CAPACITY = 10_000;

/** The most recent `capacity` update ids, in memory; the oldest are forgotten first. */
export function createRecentUpdates(capacity = DEFAULT_RECENT_UPDATE_CAPACITY): RecentUpdates {
  const recent = new LRUCache<number, true>({ max: capacity });
  return {
    seen(updateId) {
      if (recent.has(updateId)) return true;
      recent.set(updateId, true);
      return false;
    },
  };
}
