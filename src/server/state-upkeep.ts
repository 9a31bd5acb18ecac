/**
 * Keeps the state store within its promises: questions older than QUESTION_LOG_DAYS are purged
 * (all of them when QUESTION_LOG=off, so turning the log off also forgets what it had), then the
 * oldest past QUESTION_LOG_MAX_ROWS (the question log also trims as it writes), and
 * expired sessions, dedupe entries and idle conversations are dropped. Once at start, then hourly
 * on an unref'd timer that never holds the process open.
 */
import type { Logger } from "pino";
import type { AppConfig } from "../config.js";
import type { StateStore } from "../state/state-store.js";

const DAY_MS = 86_400_000;
export const UPKEEP_INTERVAL_MS = 60 * 60_000;

export interface StateUpkeep {
  /** The pass that ran at start; tests await it. */
  readonly first: Promise<void>;
  stop(): void;
}

export async function upkeepOnce(store: StateStore, config: Pick<AppConfig, "questionLog" | "conversation">, now = Date.now()): Promise<number> {
  const before = config.questionLog.enabled ? now - config.questionLog.retentionDays * DAY_MS : Number.MAX_SAFE_INTEGER;
  const purged = (await store.purgeQuestionsBefore(before)) + (await store.purgeQuestionsBeyond(config.questionLog.maxRows));
  await store.sweep(now, now - config.conversation.idleMinutes * 60_000);
  return purged;
}

export function startStateUpkeep(store: StateStore, config: Pick<AppConfig, "questionLog" | "conversation">, logger: Logger): StateUpkeep {
  const log = logger.child({ component: "state-upkeep" });
  const run = async () => {
    try {
      const purged = await upkeepOnce(store, config);
      if (purged > 0) log.info({ purged, retentionDays: config.questionLog.retentionDays }, "old questions purged");
    } catch (error) {
      log.warn({ err: error }, "state upkeep failed; retried in an hour");
    }
  };
  const first = run();
  const timer = setInterval(() => void run(), UPKEEP_INTERVAL_MS);
  timer.unref();
  return { first, stop: () => clearInterval(timer) };
}
