/**
 * Notices a re-index done by another process (`kb reindex` beside a running server): that process
 * only renames the CURRENT file, so a cheap poll of it is enough. On a change the bot reloads;
 * queries already running keep the version they started with.
 */
import type { Logger } from "../core/logger.js";
import { readCurrentVersion } from "../store/index-layout.js";
import type { ServedBot } from "./served-bot.js";

export interface IndexWatcher {
  stop(): void;
}

export function watchIndex(bot: ServedBot, indexDir: string, logger: Logger, intervalMs = 2000): IndexWatcher {
  const reload = bot.reload?.bind(bot);
  if (!reload) return { stop() {} };
  let busy = false;
  // A version that failed to load is not retried (nor logged again) until CURRENT names another.
  let failedVersion: string | null = null;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    let onDisk: string | null = null;
    try {
      onDisk = await readCurrentVersion(indexDir);
      const serving = bot.current.version;
      if (onDisk && onDisk !== serving && onDisk !== failedVersion && (await reload())) {
        logger.info({ from: serving, to: bot.current.version }, "index changed on disk; now serving the new version");
      }
    } catch (error) {
      // A broken build must not stop the server: keep serving what is loaded.
      failedVersion = onDisk;
      logger.warn({ err: error, version: onDisk }, "could not switch to the index on disk; still serving the loaded version");
    } finally {
      busy = false;
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
