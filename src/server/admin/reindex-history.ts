/**
 * Re-index runs for the documents page: the one running now (started from the console) and the
 * last 20 that finished, whoever started them (console, `POST /api/reindex`, an admin answer, a
 * chat /reindex), learned from the bot's events. Kept in memory: a restart starts an empty history,
 * while the index itself (and its version) is on disk.
 */
import type { ReindexSummary } from "../../core/types.js";
import type { ServedBot } from "../served-bot.js";

const KEPT_RUNS = 20;

export interface FinishedReindex {
  finishedAt: number;
  ok: boolean;
  summary?: ReindexSummary;
  error?: string;
}

export interface ReindexStatus {
  running?: { startedAt: number; reason: string };
  history: FinishedReindex[];
}

export class ReindexHistory {
  private readonly finished: FinishedReindex[] = [];
  private running?: { startedAt: number; reason: string };

  constructor(private readonly bot: ServedBot) {
    bot.on((event) => {
      const entry: FinishedReindex =
        event.type === "reindexed"
          ? { finishedAt: Date.now(), ok: true, summary: event.summary }
          : { finishedAt: Date.now(), ok: false, error: event.error.message };
      this.finished.unshift(entry);
      this.finished.length = Math.min(this.finished.length, KEPT_RUNS);
    });
  }

  private queued?: string;

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
      .reindex()
      .catch(() => undefined) // The failure reaches the history through the bot's event.
      .finally(() => {
        this.running = undefined;
        const next = this.queued;
        this.queued = undefined;
        if (next) this.start(next);
      });
  }

  status(): ReindexStatus {
    return { running: this.running, history: [...this.finished] };
  }

  /** The problems of the last finished re-index, by file. */
  lastProblems(): Map<string, ReindexSummary["errors"]> {
    const byFile = new Map<string, ReindexSummary["errors"]>();
    const last = this.finished.find((run) => run.summary);
    for (const problem of last?.summary?.errors ?? []) byFile.set(problem.file, [...(byFile.get(problem.file) ?? []), problem]);
    return byFile;
  }
}
