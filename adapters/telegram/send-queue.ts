/**
 * Every message the bot sends goes through here. Each chat has its own lane, so a chat that is being
 * throttled (or a 429 `retry_after` wait) never delays another chat. Within a lane messages keep
 * their order and keep to Telegram's guidance: about one message a second per chat, at most 20 a
 * minute per group, about 30 a second overall.
 *
 * A `retry_after` longer than `maxRetryAfterSeconds` is not waited out: Telegram can ask for a
 * day, and holding the chat that long would stall every later reply to it. That one message is
 * dropped (reported through `onDrop`) and the lane moves on to the next.
 */
import PQueue from "p-queue";
import { KnowledgeBotError } from "../../src/core/errors.js";
import { readFailedMethod } from "./telegram-errors.js";

export interface SendQueueOptions {
  /** Gap between two messages to one chat. */
  perChatIntervalMs?: number;
  /** Messages per rolling minute to one group (group and supergroup ids are negative). */
  groupMessagesPerMinute?: number;
  /** Messages per second across all chats. */
  globalMessagesPerSecond?: number;
  /** Attempts after a 429 before the send fails. */
  maxRetries?: number;
  /** Longest 429 `retry_after` that is waited out; a longer one drops the message. Default 60. */
  maxRetryAfterSeconds?: number;
  /** Called before each wait caused by a 429, for logging. */
  onRetry?: (details: { chatId: number; retryAfterSeconds: number; attempt: number }) => void;
  /** Called when a message is dropped because its `retry_after` is over the cap, for logging. */
  onDrop?: (details: { chatId: number; method: string; retryAfterSeconds: number }) => void;
}

export interface SendQueue {
  /** Runs `operation` in the chat's lane, when the rate limits allow, retrying it after a 429. */
  send<T>(chatId: number, operation: () => Promise<T>): Promise<T>;
  /** Resolves when every queued send has finished or failed. */
  onIdle(): Promise<void>;
}

interface ChatLane {
  tail: Promise<void>;
  pending: number;
  /** Times of recent successful sends, oldest first; at most a minute's worth is kept. */
  sentAt: number[];
}

const minuteMs = 60_000;

export function createSendQueue(options: SendQueueOptions = {}): SendQueue {
  const perChatIntervalMs = options.perChatIntervalMs ?? 1000;
  const groupMessagesPerMinute = options.groupMessagesPerMinute ?? 20;
  const maxRetries = options.maxRetries ?? 5;
  const maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 60;
  const globalQueue = new PQueue({ intervalCap: options.globalMessagesPerSecond ?? 30, interval: 1000 });
  const lanes = new Map<number, ChatLane>();

  function forgetIdleLanes(now: number): void {
    for (const [chatId, lane] of lanes) {
      const lastSent = lane.sentAt[lane.sentAt.length - 1] ?? 0;
      if (lane.pending === 0 && now - lastSent > minuteMs) lanes.delete(chatId);
    }
  }

  /** How long the lane must wait before its next message may go out. */
  function delayBeforeNext(chatId: number, lane: ChatLane, now: number): number {
    lane.sentAt = lane.sentAt.filter((time) => now - time < minuteMs);
    const lastSent = lane.sentAt[lane.sentAt.length - 1];
    let delay = lastSent === undefined ? 0 : lastSent + perChatIntervalMs - now;
    if (chatId < 0 && lane.sentAt.length >= groupMessagesPerMinute) {
      const oldestInWindow = lane.sentAt[lane.sentAt.length - groupMessagesPerMinute];
      delay = Math.max(delay, oldestInWindow + minuteMs - now);
    }
    return Math.max(0, delay);
  }

  async function runInLane<T>(chatId: number, lane: ChatLane, operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      await sleep(delayBeforeNext(chatId, lane, Date.now()));
      try {
        const result = await globalQueue.add(operation);
        lane.sentAt.push(Date.now());
        return result;
      } catch (error) {
        const retryAfterSeconds = readRetryAfter(error);
        if (retryAfterSeconds === undefined || attempt > maxRetries) throw error;
        if (retryAfterSeconds > maxRetryAfterSeconds) {
          const method = readFailedMethod(error);
          options.onDrop?.({ chatId, method, retryAfterSeconds });
          // A new error, not Telegram's: that one carries the request payload (the message text).
          throw new KnowledgeBotError(
            "RATE_LIMITED",
            `Telegram flood control asked to wait ${retryAfterSeconds} s before ${method} to chat ${chatId}; the message was dropped.`,
            `Waits up to TELEGRAM_MAX_RETRY_AFTER_SECONDS (${maxRetryAfterSeconds} s) are waited out; send fewer messages to this chat, or raise that setting to wait longer.`,
          );
        }
        options.onRetry?.({ chatId, retryAfterSeconds, attempt });
        await sleep(retryAfterSeconds * 1000);
      }
    }
  }

  return {
    send<T>(chatId: number, operation: () => Promise<T>): Promise<T> {
      forgetIdleLanes(Date.now());
      let lane = lanes.get(chatId);
      if (!lane) {
        lane = { tail: Promise.resolve(), pending: 0, sentAt: [] };
        lanes.set(chatId, lane);
      }
      const chatLane = lane;
      chatLane.pending += 1;
      const result = chatLane.tail.then(() => runInLane(chatId, chatLane, operation));
      chatLane.tail = result.then(
        () => undefined,
        () => undefined,
      );
      void chatLane.tail.then(() => {
        chatLane.pending -= 1;
      });
      return result;
    },

    async onIdle(): Promise<void> {
      while ([...lanes.values()].some((lane) => lane.pending > 0)) {
        await Promise.all([...lanes.values()].map((lane) => lane.tail));
      }
    },
  };
}

/** True for the error `send` throws when it dropped a message over the `retry_after` cap. */
export function isDroppedForFloodControl(error: unknown): boolean {
  return error instanceof KnowledgeBotError && error.code === "RATE_LIMITED";
}

/** Telegram's flood-control answer: HTTP 429 with `parameters.retry_after` in seconds. */
export function readRetryAfter(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const candidate = error as { code?: unknown; parameters?: { retry_after?: unknown }; response?: { error_code?: unknown } };
  const code = candidate.code ?? candidate.response?.error_code;
  if (code !== 429) return undefined;
  const retryAfter = candidate.parameters?.retry_after;
  return typeof retryAfter === "number" && retryAfter >= 0 ? retryAfter : 1;
}

function sleep(milliseconds: number): Promise<void> {
  return milliseconds <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, milliseconds));
}
