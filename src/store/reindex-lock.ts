/**
 * One re-index at a time per index directory, across processes. A second one waits a little and
 * then fails clearly; a lock left by a killed process goes stale and is taken over.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import lockfile from "proper-lockfile";
import { KnowledgeBotError } from "../core/errors.js";

export interface LockOptions {
  /** How long to wait for another re-index to finish before giving up. */
  waitMs?: number;
}

export async function withReindexLock<T>(indexDir: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await mkdir(indexDir, { recursive: true });
  const waitMs = options.waitMs ?? 10_000;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(indexDir, {
      lockfilePath: path.join(indexDir, "reindex.lock"),
      stale: 10_000,
      update: 2_000,
      retries: { retries: Math.max(0, Math.ceil(waitMs / 500)), minTimeout: 500, maxTimeout: 500, factor: 1 },
    });
  } catch (error) {
    throw new KnowledgeBotError(
      "INDEX_LOCKED",
      `Another re-index of ${indexDir} is running (waited ${Math.round(waitMs / 1000)} s)`,
      "Wait for it to finish and try again; if no re-index is running, the lock clears itself within 10 s.",
      { cause: error },
    );
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
