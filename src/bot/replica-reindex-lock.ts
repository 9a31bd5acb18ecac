/**
 * One re-index at a time across the replicas sharing a state store (PostgreSQL: an advisory lock),
 * taken around the re-index file lock, which still guards the index folder for a single replica
 * (`kb reindex` takes this lock too when DATABASE_URL is set). It behaves like the file lock: a second re-index retries for up to the lock wait
 * and then fails with INDEX_LOCKED; a lock lost mid-build (the replica's database connection
 * dropped) stops that build with INDEX_LOCKED, and nothing is published.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { KnowledgeBotError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { interruptionError } from "../core/build-pacer.js";
import type { HeldLock, StateStore } from "../state/state-store.js";

/** What the lock needs from the state store. */
export type ReplicaLocks = Pick<StateStore, "tryLock">;

export const REINDEX_LOCK_NAME = "reindex";
/**
 * The state-store channel a re-index announces its newly published version on (the payload is the
 * version): replicas reload at once (src/server/index-watcher.ts), whether the server or `kb reindex` built it.
 */
export const INDEX_CHANNEL = "index";
const RETRY_MS = 500;

export interface ReplicaLockOptions {
  /** How long to retry while another replica re-indexes (the file lock's wait, INDEX_LOCK_WAIT_MS). */
  waitMs: number;
  /** Stops the wait (the bot is closing). */
  signal?: AbortSignal;
  logger?: Logger;
  retryMs?: number;
}

export async function withReplicaReindexLock<T>(locks: ReplicaLocks, options: ReplicaLockOptions, work: (lockLost?: AbortSignal) => Promise<T>): Promise<T> {
  const held = await takeLock(locks, options);
  // The store could not be asked: the file lock alone keeps writers of the index folder apart.
  if (!held) return work();
  const lost = new AbortController();
  const onLost = () =>
    lost.abort(
      new KnowledgeBotError(
        "INDEX_LOCKED",
        "The re-index lock shared by the replicas was lost while building (this replica's connection to the state store dropped); this build was stopped and nothing was published",
        "Another replica may have taken over; let it finish, then re-index again if needed.",
        { cause: held.lost.reason },
      ),
    );
  if (held.lost.aborted) onLost();
  else held.lost.addEventListener("abort", onLost, { once: true });
  try {
    return await work(lost.signal);
  } finally {
    held.lost.removeEventListener("abort", onLost);
    // After a loss the lock is no longer ours to release.
    if (!held.lost.aborted)
      await held.release().catch((error: unknown) => options.logger?.warn({ err: error }, "releasing the replicas' re-index lock failed"));
  }
}

/** The held lock; undefined when the store cannot be reached; INDEX_LOCKED once the wait is over. */
async function takeLock(locks: ReplicaLocks, { waitMs, signal, logger, retryMs = RETRY_MS }: ReplicaLockOptions): Promise<HeldLock | undefined> {
  const deadline = Date.now() + Math.max(0, waitMs);
  for (;;) {
    if (signal?.aborted) throw interruptionError(signal.reason);
    let held: HeldLock | undefined;
    try {
      held = await locks.tryLock(REINDEX_LOCK_NAME);
    } catch (error) {
      logger?.warn({ err: error }, "the replicas' re-index lock is unavailable (state store unreachable); relying on the index folder's lock");
      return undefined;
    }
    if (held) return held;
    if (Date.now() >= deadline) {
      throw new KnowledgeBotError(
        "INDEX_LOCKED",
        `Another replica is re-indexing (waited ${Math.round(waitMs / 1000)} s)`,
        "Wait for it to finish and try again; the lock is released when that re-index ends or that replica stops.",
      );
    }
    await sleep(Math.min(retryMs, Math.max(1, deadline - Date.now())), undefined, { signal }).catch(() => undefined);
  }
}
