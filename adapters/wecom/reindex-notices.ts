/**
 * Pushes re-index results to the admins' group through its webhook (群机器人 / 消息推送), so a
 * failed nightly re-index is seen without reading logs.
 */
import type { Logger } from "pino";
import type { KnowledgeBot, KnowledgeBotEvent } from "../../src/core/knowledge-bot.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { isKnowledgeBotError } from "../../src/core/errors.js";
import type { WecomApiClient } from "./api-client.js";
import { plainTextAsMarkdown } from "./plain-markdown.js";
import { WEBHOOK_MARKDOWN_MAX_BYTES } from "./render-reply.js";
import { truncateUtf8 } from "./utf8-text.js";

export function formatReindexNotice(event: KnowledgeBotEvent): string {
  if (event.type === "reindexed") return plainTextAsMarkdown(REPLY_TEXTS.reindexReport(event.summary));
  // The admins' group reads the error's own words and fix hint; an unexpected error's message may hold paths, but this group is the admins'.
  const reason = isKnowledgeBotError(event.error) ? event.error.describe() : event.error.message;
  return `<font color="warning">${plainTextAsMarkdown(REPLY_TEXTS.reindexFailed(reason))}</font>`;
}

/** Subscribes to the bot's events; returns the function that unsubscribes. */
export function forwardReindexNotices(options: {
  bot: KnowledgeBot;
  api: WecomApiClient;
  webhookKey: string;
  logger: Logger;
  /** Collects the posts in flight, so `stop()` can wait for them. */
  track: (work: Promise<void>) => void;
}): () => void {
  const { bot, api, webhookKey, logger, track } = options;
  return bot.on((event) => {
    const content = truncateUtf8(formatReindexNotice(event), WEBHOOK_MARKDOWN_MAX_BYTES);
    track(
      api.sendWebhookMarkdown(webhookKey, content).catch((error: unknown) => {
        logger.error({ err: error, event: event.type }, "wecom: webhook notice failed");
      }),
    );
  });
}
