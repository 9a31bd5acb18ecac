/**
 * Notices a re-index done by another process (`kb reindex` beside a running server): that process
 * only renames the CURRENT file, so a cheap poll of it is enough. On a change the bot reloads;
 * queries already running keep the version they started with. A new version that cannot be loaded
 * (damaged, or CURRENT naming no version) is logged as an error once and the loaded one keeps serving.
 */
import type { Logger } from "../core/logger.js";
import { readCurrentPointer } from "../store/index-layout.js";
import type { ServedBot } from "./served-bot.js";

export interface IndexWatcher {
  stop(): void;
}

export function watchIndex(bot: ServedBot, indexDir: string, logger: Logger, intervalMs = 2000): IndexWatcher {
  const reload = bot.reload?.bind(bot);
  if (!reload) return { stop() {} };
  let busy = false;
  // What CURRENT held when a switch last failed (or why it could not be read): not retried, nor
  // logged again, until CURRENT holds something else. The raw text is compared, so a CURRENT that
  // names no valid version is reported once too.
  let failed: string | null = null;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    let onDisk: string | null = null;
    try {
      onDisk = await readCurrentPointer(indexDir);
      const serving = bot.current.version;
      if (onDisk && onDisk !== serving && onDisk !== failed && (await reload())) {
        failed = null;
        logger.info({ from: serving, to: bot.current.version }, "index changed on disk; now serving the new version");
      }
    } catch (error) {
      // A broken build must not stop the server: keep serving what is loaded.
      const failure = onDisk ?? `unreadable CURRENT (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
      if (failure !== failed) {
        logger.error({ err: error, version: onDisk, serving: bot.current.version }, "could not switch to the index on disk; still serving the loaded version");
      }
      failed = failure;
    } finally {
      busy = false;
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
