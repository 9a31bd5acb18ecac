/**
 * Re-index runs for the documents page: the one running now (started from the console) and the
 * last 20 that finished, whoever started them (console, `POST /api/reindex`, an admin answer, a
 * chat /reindex), learned from the bot's events. With a state store they are recorded there, so
 * the history survives a restart and every replica shows the same one; a run the store could not
 * take is still kept in memory and shown while the store is unreachable. Without a store, memory only.
 */
import type { Logger } from "../../core/logger.js";
import type { ReindexProgress, ReindexSummary } from "../../core/types.js";
import type { ReindexRun, StateStore } from "../../state/state-store.js";
import type { ServedBot } from "../served-bot.js";

const KEPT_RUNS = 20;

export type FinishedReindex = ReindexRun;

export interface ReindexStatus {
  running?: { startedAt: number; reason: string };
  /** Where a re-index running in this process is, whoever started it. */
  progress?: ReindexProgress;
  history: FinishedReindex[];
}

export class ReindexHistory {
  /** The runs this process saw finish, newest first: the history without a store, the fallback with one. */
  private readonly finished: FinishedReindex[] = [];
  private running?: { startedAt: number; reason: string };
  private queued?: string;
  /** The store writes in order; a status read waits for them, so a run just finished is listed. */
  private recording: Promise<void> = Promise.resolve();

  constructor(
    private readonly bot: ServedBot,
    private readonly store?: StateStore,
    private readonly logger?: Logger,
  ) {
    bot.on((event) => {
      const entry: FinishedReindex =
        event.type === "reindexed"
          ? { finishedAt: Date.now(), ok: true, reason: event.reason, summary: event.summary }
          : { finishedAt: Date.now(), ok: false, reason: event.reason, error: event.error.message };
      this.finished.unshift(entry);
      this.finished.length = Math.min(this.finished.length, KEPT_RUNS);
      const store = this.store;
      if (!store) return;
      this.recording = this.recording
        .then(() => store.recordReindexRun(entry, KEPT_RUNS))
        .catch((error: unknown) => {
          this.logger?.warn({ err: error }, "re-index run not recorded in the state store; shown from memory until a restart");
        });
    });
  }

  /**
   * Starts a re-index; while one is running, one more is queued (a file uploaded mid-run must not
   * wait for the next click). The page polls `status()` for the end.
   */
  start(reason: string): void {
    if (this.running) {
      this.queued = reason;
      return;
    }
    this.running = { startedAt: Date.now(), reason };
    this.bot
      .reindex({ reason })
      .catch(() => undefined) // The failure reaches the history through the bot's event.
      .finally(() => {
        this.running = undefined;
        const next = this.queued;
        this.queued = undefined;
        if (next) this.start(next);
      });
  }

  /** True when the history outlives this process (it is in the state store). */
  get persisted(): boolean {
    return this.store !== undefined;
  }

  async status(): Promise<ReindexStatus> {
    const progress = this.bot.reindexProgress?.();
    return { running: this.running, ...(progress ? { progress } : {}), history: await this.history() };
  }

  /** The problems of the last finished re-index, by file. */
  async lastProblems(): Promise<Map<string, ReindexSummary["errors"]>> {
    const byFile = new Map<string, ReindexSummary["errors"]>();
    const last = (await this.history()).find((run) => run.summary);
    for (const problem of last?.summary?.errors ?? []) byFile.set(problem.file, [...(byFile.get(problem.file) ?? []), problem]);
    return byFile;
  }

  private async history(): Promise<FinishedReindex[]> {
    if (!this.store) return [...this.finished];
    await this.recording;
    try {
      return await this.store.listReindexRuns(KEPT_RUNS);
    } catch (error) {
      this.logger?.warn({ err: error }, "re-index history unavailable in the state store; showing this process's runs");
      return [...this.finished];
    }
  }
}
