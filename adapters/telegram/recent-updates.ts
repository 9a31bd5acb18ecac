/**
 * Remembers which update ids this process has already taken in. Telegram delivers an update again
 * when a webhook call was slow or failed, and a poller can receive an update again when its offset
 * was not confirmed; this answers such a repeat without asking the state store, and is the only
 * check when there is no store or it cannot be reached. Update ids are per bot: one instance per
 * bot token.
 */
import { LRUCache } from "lru-cache";

export interface RecentUpdates {
  /** True when `updateId` was taken in before. */
  has(updateId: number): boolean;
  /** Records `updateId` as taken in. Only an update this process will answer (or knows answered) is recorded. */
  remember(updateId: number): void;
  /** Forgets `updateId` (it was refused, so Telegram will deliver it again). */
  forget(updateId: number): void;
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
    has: (updateId) => recent.has(updateId),
    remember: (updateId) => void recent.set(updateId, true),
    forget: (updateId) => void recent.delete(updateId),
  };
}
