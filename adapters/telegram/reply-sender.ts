/**
 * Sends replies to a user's message: through the per-chat send queue, quoting the message, in the
 * forum topic it came from, with "typing…" shown while the answer is prepared. If Telegram ever
 * refuses the HTML, the same text goes out once more as plain text rather than not at all.
 */
import type { Logger } from "pino";
import type { Telegram } from "telegraf";
import type { InlineKeyboardButton } from "telegraf/types";
import { readRetryAfter, type SendQueue } from "./send-queue.js";
import { visibleText } from "./split-message.js";
import { isUnreachable } from "./telegram-errors.js";
import type { IncomingTextMessage } from "./to-incoming.js";
import { startTyping, type TypingTarget } from "./typing-indicator.js";

/** How a reply's messages are tracked in a pending delivery (src/state/pending-deliveries.ts). */
export interface SendProgress {
  /** Messages sent before (a resumed delivery): they are not sent again. */
  firstPart: number;
  /** Before each message; throwing sends nothing more (the delivery went to another replica). */
  beforeSend(): Promise<void>;
  /** After each message that is done (`sent`, or refused for good): `partsDone` messages are. */
  afterSend(partsDone: number, sent: boolean): Promise<void>;
}

export interface ReplySender {
  /**
   * Sends one reply, possibly several messages; the first quotes the question, the last carries the
   * keyboard. Once a message fails for a reason a later try may not meet (Telegram unreachable) or
   * `beforeSend` throws, the messages after it are not sent either, so a later try resumes in order.
   */
  send(incoming: IncomingTextMessage, htmlMessages: string[], keyboard?: InlineKeyboardButton[][], progress?: SendProgress): Promise<void>;
  /** Runs `work` while showing "typing…" in the message's chat (and topic). */
  withTyping<T>(incoming: IncomingTextMessage, work: () => Promise<T>): Promise<T>;
}

export interface ReplySenderDependencies {
  telegram: Telegram;
  sendQueue: SendQueue;
  logger: Logger;
  typingIntervalMs?: number;
}

export function replyTarget(incoming: IncomingTextMessage): TypingTarget {
  // Thread ids also appear on ordinary replies; echoing those gives "message thread not found".
  return { chatId: incoming.chat.id, messageThreadId: incoming.is_topic_message ? incoming.message_thread_id : undefined };
}

function isHtmlRefusal(error: unknown): boolean {
  const candidate = error as { code?: unknown; description?: unknown; message?: unknown };
  return candidate?.code === 400 && /can't parse entities/i.test(String(candidate.description ?? candidate.message));
}

export function createReplySender({ telegram, sendQueue, logger, typingIntervalMs }: ReplySenderDependencies): ReplySender {
  return {
    async send(incoming, htmlMessages, keyboard = [], progress) {
      const target = replyTarget(incoming);
      const lastIndex = htmlMessages.length - 1;
      const firstPart = progress?.firstPart ?? 0;
      /** Set once a message failed in a way that stops the rest of this reply. */
      let halted: { reason: unknown } | undefined;
      const sendOne = async (html: string, extra: Parameters<Telegram["sendMessage"]>[2]) => {
        try {
          return await telegram.sendMessage(target.chatId, html, { ...extra, parse_mode: "HTML" });
        } catch (error) {
          if (!isHtmlRefusal(error)) throw error;
          logger.warn({ err: error, chatId: target.chatId }, "telegram refused the reply's HTML; sending it as plain text");
          return telegram.sendMessage(target.chatId, visibleText(html), extra);
        }
      };
      // All messages enter the chat's lane in this same tick, so no other reply lands between them.
      const sends = htmlMessages.flatMap((html, index) => {
        if (index < firstPart) return [];
        const extra = {
          link_preview_options: { is_disabled: true },
          message_thread_id: target.messageThreadId,
          reply_parameters: index === 0 ? { message_id: incoming.message_id, allow_sending_without_reply: true } : undefined,
          reply_markup: index === lastIndex && keyboard.length > 0 ? { inline_keyboard: keyboard } : undefined,
        };
        return sendQueue.send(target.chatId, async () => {
          if (halted) throw halted.reason;
          try {
            await progress?.beforeSend();
          } catch (error) {
            halted = { reason: error };
            throw error;
          }
          let sent;
          try {
            sent = await sendOne(html, extra);
          } catch (error) {
            // A 429 goes back to the send queue, which waits and runs this again.
            if (readRetryAfter(error) !== undefined) throw error;
            if (isUnreachable(error)) halted = { reason: error };
            else await progress?.afterSend(index + 1, false);
            throw error;
          }
          await progress?.afterSend(index + 1, true);
          return sent;
        });
      });
      const results = await Promise.allSettled(sends);
      const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (failure) throw failure.reason;
    },

    withTyping(incoming, work) {
      const stopTyping = startTyping(
        (target) => telegram.sendChatAction(target.chatId, "typing", { message_thread_id: target.messageThreadId }),
        replyTarget(incoming),
        (error) => logger.debug({ err: error, chatId: incoming.chat.id }, "telegram typing indicator failed"),
        typingIntervalMs,
      );
      return work().finally(stopTyping);
    },
  };
}
