/**
 * Notices a re-index done by another process. Another replica announces its new version through
 * the state store ("index" channel: LISTEN/NOTIFY on PostgreSQL), and this one switches at once,
 * as it does for `kb reindex` run with DATABASE_URL; without it `kb reindex` only renames the
 * CURRENT file, so a cheap poll of it stays as the fallback (and catches an announcement missed
 * while the store was unreachable). Both lead
 * to the same reload; queries already running keep the version they started with. A new version
 * that cannot be loaded (damaged, or CURRENT naming no version) is logged as an error once and the
 * loaded one keeps serving.
 */
import { INDEX_CHANNEL } from "../bot/replica-reindex-lock.js";
import type { Logger } from "../core/logger.js";
import type { StateStore } from "../state/state-store.js";
import { readCurrentPointer } from "../store/index-layout.js";
import type { ServedBot } from "./served-bot.js";

export interface IndexWatcher {
  stop(): void;
}

export interface IndexWatchOptions {
  /** How often CURRENT is read; 0 reads it only when an announcement arrives. */
  intervalMs: number;
  /** Announcements from the other replicas sharing this store. */
  store?: StateStore;
}

export function watchIndex(bot: ServedBot, indexDir: string, logger: Logger, { intervalMs, store }: IndexWatchOptions): IndexWatcher {
  const reload = bot.reload?.bind(bot);
  if (!reload) return { stop() {} };
  let busy = false;
  let checkAgain = false;
  let stopped = false;
  // What CURRENT held when a switch last failed (or why it could not be read): not retried, nor
  // logged again, until CURRENT holds something else. The raw text is compared, so a CURRENT that
  // names no valid version is reported once too.
  let failed: string | null = null;

  async function checkOnce(trigger: "poll" | "announcement"): Promise<void> {
    let onDisk: string | null = null;
    try {
      onDisk = await readCurrentPointer(indexDir);
      const serving = bot.current.version;
      if (onDisk && onDisk !== serving && onDisk !== failed && (await reload!())) {
        failed = null;
        logger.info({ from: serving, to: bot.current.version, trigger }, "index changed on disk; now serving the new version");
      }
    } catch (error) {
      // A broken build must not stop the server: keep serving what is loaded.
      const failure = onDisk ?? `unreadable CURRENT (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
      if (failure !== failed) {
        logger.error({ err: error, version: onDisk, serving: bot.current.version }, "could not switch to the index on disk; still serving the loaded version");
      }
      failed = failure;
    }
  }

  /** One check at a time; an announcement arriving during one makes it run once more. */
  async function check(trigger: "poll" | "announcement"): Promise<void> {
    if (busy) {
      if (trigger === "announcement") checkAgain = true;
      return;
    }
    busy = true;
    try {
      do {
        checkAgain = false;
        await checkOnce(trigger);
      } while (checkAgain && !stopped);
    } finally {
      busy = false;
    }
  }

  const timer = intervalMs > 0 ? setInterval(() => void check("poll"), intervalMs) : undefined;
  timer?.unref();
  const unsubscribe = store
    ?.listen(INDEX_CHANNEL, (version) => {
      if (!stopped && version !== bot.current.version) void check("announcement");
    })
    .catch((error: unknown) => {
      logger.warn({ err: error }, "index announcements unavailable (state store unreachable); watching CURRENT only");
      return undefined;
    });
  return {
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      void unsubscribe?.then((unlisten) => unlisten?.()).catch(() => undefined);
    },
  };
}

/**
 * Announces each version this process publishes, so every other replica switches to it at once.
 * Returns the unsubscribe from the bot's events.
 */
export function announceIndexVersions(bot: ServedBot, store: StateStore, logger: Logger): () => void {
  return bot.on((event) => {
    if (event.type !== "reindexed" || event.summary.dryRun || !event.summary.version) return;
    store.announce(INDEX_CHANNEL, event.summary.version).catch((error: unknown) => {
      logger.warn(
        { err: error, version: event.summary.version },
        "new index version not announced (state store unreachable); other replicas notice it through CURRENT",
      );
    });
  });
}
