/**
 * The one Chinese vocabulary of every reply, on every platform. Adapters render these; they never
 * write their own wording, so a text changed here changes everywhere.
 */
import type { IndexStats, Platform, ReindexSummary } from "../core/types.js";
export const REPLY_TEXTS = {
  /** Heading of the related-questions list (the same word the knowledge pages use). */
  relatedHeading: "相关推荐",
  /** Heading of the neighbouring sources listed after a no-answer: suggestions, not the answer. */
  suggestionsHeading: "相关的内容（不是这个问题的答案）：",
  /** Heading of the numbered source list. */
  sourcesHeading: "来源",
  /** Shown above an answer whose question was rewritten from a follow-up. */
  understoodAs: (question: string) => `按「${question}」查找`,
  // Help (/start, /help, an empty message, WeCom's enter_chat welcome).
  /** What the bot knows; the count is left out when no index is serving yet. */
  knows: (sourceCount?: number) =>
    sourceCount === undefined ? "我根据知识库里的资料回答问题，并注明出处。" : `我根据知识库里的 ${sourceCount} 篇资料回答问题，并注明出处。`,
  /** How to address the bot, per platform. */
  howToAsk: (platform: Platform) =>
    platform === "telegram"
      ? "私聊直接发送问题即可；在群里请 @我 提问、用 /ask 加上问题，或回复我的消息。"
      : platform === "wecom"
        ? "单聊直接发送问题即可；在群里请 @我 并输入问题。"
        : "直接输入问题即可。",
  examplesHeading: "可以这样问：",
  /** Follow-ups are understood from the earlier questions; this says how to start over. */
  followUps: "可以接着追问，例如“那吉林呢？”；发送 /new 开始新的对话。",
  notADoctor: "⚠️ 我不是医生，回答只摘录资料原文，不能代替面诊；如有不适请尽快就医。",

  // Questions.
  failed: "抱歉，回答时出了点问题，请稍后再试。",
  tooLong: (maxCharacters: number) => `问题太长了，请精简到 ${maxCharacters} 字以内再问。`,
  busy: "上一个问题还在查找中，请等它回答后再问。",
  /** A platform's queue for one conversation is full (WeCom's fair queue). */
  queueFull: "您的问题较多，正在逐个处理，请稍后再发送新的问题。",
  unsupported: "目前只能回答文字提问，请用文字描述您的问题。",
  newConversation: "好的，已开始新的对话，之前的问题不再作为上下文。",
  /** The web page's button that starts over (drops the tab's conversation). */
  newConversationButton: "新对话",

  // Admin commands.
  /** Acknowledges a 👍 / 👎 (or 有用 / 没用) on an answer. */
  feedbackThanks: "谢谢反馈",
  /** A vote on an answer the log no longer holds (purged, or the question log is off). */
  feedbackUnknown: "这条回答已过期，无法记录反馈",
  notAdmin: "抱歉，这个命令只有管理员可以使用。您可以直接提问，我会从知识库中查找答案。",
  reindexBusy: "索引正在重建中，请等它完成后再试。",
  /** A failed admin command: what failed, then the error with its fix hint (never a stack). */
  reindexFailed: (description: string) => `重建索引失败\n${description}\n旧索引仍在使用。`,
  statsFailed: (description: string) => `读取索引失败\n${description}`,
  reindexReport: (summary: ReindexSummary) => {
    const lines = [
      `索引已更新${summary.full ? "（全量重建）" : ""}（版本 ${summary.version ?? "未变"}）`,
      `新增 ${summary.added.length}，修改 ${summary.changed.length}，删除 ${summary.removed.length}，未变 ${summary.unchanged}`,
      `共 ${summary.sources} 篇资料、${summary.chunks} 个片段，本次嵌入 ${summary.embeddedChunks} 个；用时 ${(summary.durationMs / 1000).toFixed(1)} 秒`,
    ];
    if (summary.errors.length > 0) {
      lines.push(`${summary.errors.length} 个文件有问题：`);
      for (const problem of summary.errors.slice(0, 10)) {
        lines.push(`• ${problem.file}${problem.line ? `:${problem.line}` : ""} ${problem.code} — ${problem.message}`);
      }
    }
    return lines.join("\n");
  },
  stats: (stats: IndexStats) =>
    [
      `索引版本 ${stats.version}`,
      `构建时间 ${stats.builtAt}`,
      `资料 ${stats.sources} 篇，片段 ${stats.chunks} 个`,
      `向量模型 ${stats.embedder.model}（${stats.embedder.dimensions} 维）`,
    ].join("\n"),

  // Telegram's command menu.
  commandMenu: [
    { command: "ask", description: "提问，例如 /ask 亲情账户是什么" },
    { command: "new", description: "开始新的对话" },
    { command: "help", description: "我能回答什么" },
  ],

  // WeCom AI-bot answer streams.
  searching: "正在查找资料，请稍候…",
  answerComingSeparately: "回答需要较长时间，完成后会单独发送给您。",
  answerSentSeparately: "回答已单独发送。",
  answerExpired: "抱歉，这个回答已失效，请重新提问。",
  answerTimedOut: "抱歉，回答超时，请稍后再问一次。",
} as const;
