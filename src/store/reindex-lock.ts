/**
 * One re-index at a time per index directory, across processes. A second one waits up to
 * `waitMs` and then fails with INDEX_LOCKED; a lock left by a killed process goes stale and is
 * taken over. The holder renews the lock every 2 s, which works because a build gives the event
 * loop a turn every ~50 ms (see BuildPacer). Should the lock still be lost (its folder removed or
 * touched, or renewal late past the stale threshold), the holder is told through the signal passed
 * to `work`, so that build fails with INDEX_LOCKED instead of the process dying of an uncaught error.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import lockfile from "proper-lockfile";
import { KnowledgeBotError } from "../core/errors.js";

export interface LockOptions {
  /** How long to wait for another re-index to finish before giving up. */
  waitMs?: number;
}

/** A lock not renewed for this long is taken to belong to a dead process. */
const STALE_MS = 10_000;
const RENEW_MS = 2_000;
const RETRY_MS = 500;

export const LOCK_FILE_NAME = "reindex.lock";

export async function withReindexLock<T>(indexDir: string, work: (lockLost: AbortSignal) => Promise<T>, options: LockOptions = {}): Promise<T> {
  await mkdir(indexDir, { recursive: true });
  const waitMs = Math.max(0, options.waitMs ?? 10_000);
  const lost = new AbortController();
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(indexDir, {
      lockfilePath: path.join(indexDir, LOCK_FILE_NAME),
      stale: STALE_MS,
      update: RENEW_MS,
      retries: { retries: Math.ceil(waitMs / RETRY_MS), minTimeout: RETRY_MS, maxTimeout: RETRY_MS, factor: 1 },
      // proper-lockfile's default throws from a timer, which kills the whole process (a server too).
      onCompromised: (error) => {
        lost.abort(
          new KnowledgeBotError(
            "INDEX_LOCKED",
            `The re-index lock of ${indexDir} was lost while building (${error.message}); this build was stopped and nothing was published`,
            "Another re-index may have taken over; let it finish, then run `kb reindex` again if needed.",
            { cause: error },
          ),
        );
      },
    });
  } catch (error) {
    throw new KnowledgeBotError(
      "INDEX_LOCKED",
      `Another re-index of ${indexDir} is running (waited ${Math.round(waitMs / 1000)} s)`,
      `Wait for it to finish and try again; if no re-index is running, the lock clears itself within ${STALE_MS / 1000} s.`,
      { cause: error },
    );
  }
  try {
    return await work(lost.signal);
  } finally {
    // After a loss the lock is no longer ours to release; releasing then only reports that.
    if (!lost.signal.aborted) await release().catch(() => undefined);
  }
}
