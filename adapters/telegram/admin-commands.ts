/**
 * /reindex and /stats, for the Telegram user ids in TELEGRAM_ADMIN_IDS only. A re-index can take a
 * while, so a second request while one runs is answered instead of starting another.
 */
import { isKnowledgeBotError } from "../../src/core/errors.js";
import type { KnowledgeBot } from "../../src/core/knowledge-bot.js";
import { renderAdminFailure, renderReindexReport, renderStats, replyTexts } from "./bot-texts.js";

export interface AdminCommands {
  isAdmin(userId: number | undefined): boolean;
  /** Runs the incremental re-index and returns the report as Telegram HTML. */
  reindex(): Promise<string>;
  /** The index now serving, as Telegram HTML. */
  stats(): string;
}

export function createAdminCommands(bot: KnowledgeBot, adminIds: string[]): AdminCommands {
  const admins = new Set(adminIds.map((id) => id.trim()));
  let reindexRunning = false;

  return {
    isAdmin(userId) {
      return userId !== undefined && admins.has(String(userId));
    },

    async reindex() {
      if (reindexRunning) return replyTexts.reindexBusy;
      reindexRunning = true;
      try {
        return renderReindexReport(await bot.reindex());
      } catch (error) {
        return renderAdminFailure("重建索引失败", describeFailure(error));
      } finally {
        reindexRunning = false;
      }
    },

    stats() {
      try {
        return renderStats(bot.stats());
      } catch (error) {
        return renderAdminFailure("读取索引失败", describeFailure(error));
      }
    },
  };
}

function describeFailure(error: unknown): string {
  if (isKnowledgeBotError(error)) return error.describe();
  return error instanceof Error ? error.message : String(error);
}
