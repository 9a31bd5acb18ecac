/**
 * `/reindex` and `/stats` for the user ids in WECOM_ADMIN_USERIDS, as on Telegram. Anyone else
 * who types a command gets a polite refusal instead of silence, so they know it was received.
 */
import type { KnowledgeBot } from "../../src/core/knowledge-bot.js";
import type { IndexStats, ReindexSummary } from "../../src/core/types.js";

export type AdminCommand = { name: "reindex"; full: boolean } | { name: "stats" };

/** Recognises a command at the start of the (mention-free) text; anything else is a question. */
export function parseAdminCommand(text: string): AdminCommand | undefined {
  const match = /^\/(reindex|stats)(?:\s+(\S+))?\s*$/i.exec(text.trim());
  if (!match) return undefined;
  if (match[1]!.toLowerCase() === "stats") return { name: "stats" };
  return { name: "reindex", full: match[2]?.toLowerCase() === "full" };
}

export const ADMIN_ONLY_REPLY = "抱歉，这个命令仅限管理员使用。您可以直接提问，我会从知识库中查找答案。";

export function formatStats(stats: IndexStats): string {
  return [
    "**索引状态**",
    `版本：${stats.version}`,
    `构建时间：${stats.builtAt}`,
    `来源：${stats.sources}\u3000片段：${stats.chunks}`,
    `向量模型：${stats.embedder.model}（${stats.embedder.dimensions} 维）`,
  ].join("\n");
}

export function formatReindexSummary(summary: ReindexSummary): string {
  const lines = [
    `**重建索引完成**${summary.dryRun ? "（试运行）" : ""}`,
    `版本：${summary.version ?? "未变"}`,
    `新增 ${summary.added.length}，更新 ${summary.changed.length}，删除 ${summary.removed.length}，未变 ${summary.unchanged}`,
    `来源 ${summary.sources}，片段 ${summary.chunks}，本次嵌入 ${summary.embeddedChunks}，耗时 ${(summary.durationMs / 1000).toFixed(1)} s`,
  ];
  if (summary.errors.length > 0) {
    lines.push(`<font color="warning">${summary.errors.length} 个文件有问题：</font>`);
    for (const problem of summary.errors.slice(0, 10)) {
      lines.push(`- ${problem.file}${problem.line ? `:${problem.line}` : ""} ${problem.code}`);
    }
  }
  return lines.join("\n");
}

/** Runs `command` for `userId`; returns the markdown reply. */
export async function runAdminCommand(command: AdminCommand, userId: string, adminUserIds: readonly string[], bot: KnowledgeBot): Promise<string> {
  if (!adminUserIds.includes(userId)) return ADMIN_ONLY_REPLY;
  if (command.name === "stats") return formatStats(bot.stats());
  return formatReindexSummary(await bot.reindex({ full: command.full }));
}
