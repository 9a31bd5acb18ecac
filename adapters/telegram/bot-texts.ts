/**
 * Everything the bot says on Telegram that is not an answer. The knowledge base is Chinese, so the
 * bot speaks Chinese; functions return Telegram HTML with all inserted values escaped.
 */
import type { IndexStats, ReindexSummary } from "../../src/core/types.js";
import { escapeHtml } from "./escape-html.js";

export const replyTexts = {
  sourcesHeading: "来源",
  relatedHeading: "相关问题",
  emptyQuestion: "请在命令或提及后面写上问题，例如：/ask 亲情账户和家庭共济账户有什么区别",
  failed: "抱歉，回答时出了点问题，请稍后再试。",
  tooLong: (maxCharacters: number) => `问题太长了，请精简到 ${maxCharacters} 字以内再问。`,
  notAdmin: "抱歉，这个命令只有管理员可以使用。",
  reindexStarted: "正在重建索引，完成后会在这里告诉你结果。",
  reindexBusy: "索引正在重建中，请等它完成后再试。",
};

export interface HelpTextInput {
  botUsername: string;
  sourceCount?: number;
  exampleQuestions: string[];
  privateChat: boolean;
}

/** The /start and /help reply: what the bot knows, how to ask, and that it is not a doctor. */
export function renderHelpText(input: HelpTextInput): string {
  const knows =
    input.sourceCount === undefined ? "我根据知识库里的资料回答问题，并注明出处。" : `我根据知识库里的 ${input.sourceCount} 篇资料回答问题，并注明出处。`;
  const howToAsk = input.privateChat
    ? "直接发送你的问题即可。"
    : `在群里请用 /ask@${escapeHtml(input.botUsername)} 加上问题，或 @${escapeHtml(input.botUsername)} 提问，或回复我的消息。`;
  const examples =
    input.exampleQuestions.length > 0
      ? ["<b>可以这样问：</b>", ...input.exampleQuestions.map((question) => `• ${escapeHtml(question)}`)].join("\n")
      : undefined;
  const notADoctor = "⚠️ <i>我不是医生，回答只摘录资料原文，不能代替面诊；如有不适请尽快就医。</i>";
  return [knows, howToAsk, examples, notADoctor].filter(Boolean).join("\n\n");
}

function formatSeconds(durationMs: number): string {
  return `${(durationMs / 1000).toFixed(1)} 秒`;
}

/** The /reindex report: what changed and how long it took. */
export function renderReindexReport(summary: ReindexSummary): string {
  const lines = [
    `<b>索引已更新</b>（版本 ${escapeHtml(summary.version ?? "无")}）`,
    `新增 ${summary.added.length}，修改 ${summary.changed.length}，删除 ${summary.removed.length}，未变 ${summary.unchanged}`,
    `共 ${summary.sources} 篇资料、${summary.chunks} 个片段；用时 ${formatSeconds(summary.durationMs)}`,
  ];
  if (summary.errors.length > 0) {
    lines.push(`${summary.errors.length} 个文件有问题：`);
    for (const error of summary.errors.slice(0, 5)) {
      lines.push(`• ${escapeHtml(error.file)}${error.line ? `:${error.line}` : ""} — ${escapeHtml(error.message)}`);
    }
  }
  return lines.join("\n");
}

/** A failed admin command: what failed, then the error with its fix hint. */
export function renderAdminFailure(heading: "重建索引失败" | "读取索引失败", description: string): string {
  return `<b>${heading}</b>\n${escapeHtml(description)}`;
}

/** The /stats reply: the index now serving. */
export function renderStats(stats: IndexStats): string {
  return [
    `<b>索引版本</b> ${escapeHtml(stats.version)}`,
    `构建时间 ${escapeHtml(stats.builtAt)}`,
    `资料 ${stats.sources} 篇，片段 ${stats.chunks} 个`,
    `向量模型 ${escapeHtml(stats.embedder.model)}（${stats.embedder.dimensions} 维）`,
  ].join("\n");
}
