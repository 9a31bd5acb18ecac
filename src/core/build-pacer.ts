/**
 * Keeps a long build cooperative. A build runs on the thread that also serves questions, renews the
 * re-index lock and handles SIGTERM; a phase that held the thread for seconds let the lock go stale
 * and left signals unanswered. Every long loop asks `due()` (a clock read, cheap per item) and,
 * once a slice of ~50 ms is used up, awaits `pause()`: one turn of the event loop, then a check of
 * the abort signal. Yielding per slice rather than per item costs nothing measurable.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { type AnyKnowledgeBotError, isKnowledgeBotError, KnowledgeBotError } from "./errors.js";

const SLICE_MS = 50;

export class BuildPacer {
  readonly signal: AbortSignal | undefined;
  private readonly sliceMs: number;
  private sliceStart = performance.now();

  constructor(signal?: AbortSignal, sliceMs = SLICE_MS) {
    this.signal = signal;
    this.sliceMs = sliceMs;
  }

  /** True once the current slice is used up; the caller should then `await pause()`. */
  readonly due = (): boolean => performance.now() - this.sliceStart >= this.sliceMs || this.signal?.aborted === true;

  /** Gives the event loop a turn when the slice is used up, then stops the build if it was aborted. */
  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart >= this.sliceMs) {
      await nextTurn();
      this.sliceStart = performance.now();
    }
    this.throwIfAborted();
  }

  /** Throws the build's interruption when its signal was aborted. */
  throwIfAborted(): void {
    if (this.signal?.aborted) throw interruptionError(this.signal.reason);
  }

  /** Runs a step generator (see `runSteps`) to its end, pausing each time it yields. */
  async drive<T>(steps: Generator<void, T, void>): Promise<T> {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await this.pause();
    }
  }
}

/**
 * Runs a step generator synchronously: the same loop code serves callers that need a plain value
 * (a generator written against `due` yields only when due, and `NEVER_DUE` never is).
 */
export function runSteps<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export const NEVER_DUE = (): boolean => false;

/**
 * What an aborted build throws: the abort's own reason when it is already a coded error (a lost
 * lock is INDEX_LOCKED), otherwise REINDEX_INTERRUPTED naming why (e.g. the signal received).
 */
export function interruptionError(reason: unknown): AnyKnowledgeBotError {
  if (isKnowledgeBotError(reason)) return reason;
  const why = typeof reason === "string" ? reason : reason instanceof Error && reason.name !== "AbortError" ? reason.message : "the build was stopped";
  return new KnowledgeBotError(
    "REINDEX_INTERRUPTED",
    `The re-index was interrupted (${why}); nothing was published`,
    "The previous version keeps serving. Run `kb reindex` again to finish the update.",
    { cause: reason },
  );
}
