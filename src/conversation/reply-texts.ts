/**
 * The one Chinese vocabulary of every reply, on every platform. Adapters render these; they never
 * write their own wording, so a text changed here changes everywhere.
 */
export const REPLY_TEXTS = {
  /** Heading of the related-questions list (the same word the knowledge pages use). */
  relatedHeading: "相关推荐",
  /** Heading of the numbered source list. */
  sourcesHeading: "来源",
  /** Shown above an answer whose question was rewritten from a follow-up. */
  understoodAs: (question: string) => `按「${question}」查找`,
} as const;
