/**
 * A full disk (or an exhausted quota) while writing an index is DISK_FULL naming the file, not a
 * bare errno error that surfaces as "something went wrong". The build that hit it removes its
 * staging folder; nothing already published is touched.
 */
import { KnowledgeBotError } from "../core/errors.js";

const DISK_FULL_CODES = new Set(["ENOSPC", "EDQUOT"]);

export function isDiskFull(error: unknown): boolean {
  return error instanceof Error && DISK_FULL_CODES.has((error as NodeJS.ErrnoException).code ?? "");
}

/** DISK_FULL for a full-disk errno error; any other error as it is. */
export function diskFullError(error: unknown, target: string): unknown {
  if (!isDiskFull(error)) return error;
  const file = (error as NodeJS.ErrnoException).path ?? target;
  const reason = (error as NodeJS.ErrnoException).code === "EDQUOT" ? "the disk quota is used up" : "no space is left on the device";
  return new KnowledgeBotError(
    "DISK_FULL",
    `Cannot write ${file}: ${reason}; the new index version was discarded`,
    "Free disk space (or raise the quota) where the index folder lives, then run `kb reindex` again; the previous version keeps serving.",
    { cause: error },
  );
}

/** Awaits a write into `target`, turning a full-disk failure into DISK_FULL. */
export async function writingTo<T>(target: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw diskFullError(error, target);
  }
}

/**
 * Awaits writes made side by side and fails with the first failure (DISK_FULL when the disk is
 * full) only once all of them have settled, so the staging folder can then be removed without a
 * write still creating files in it.
 */
export async function allWritten(writes: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failure) throw failure.reason;
}
