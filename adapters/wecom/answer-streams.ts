/**
 * The AI bot answers with a "stream": the first passive reply is a placeholder carrying a stream
 * id we choose, WeCom then keeps POSTing refresh callbacks for that id and shows whatever the
 * latest reply holds, until one says `finish: true`. Refreshes stop 6 min after the user's
 * message, so a stream that is not done inside our window is closed and the answer goes through
 * the message's single-use `response_url` instead (one POST, valid 1 h).
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { createDedupeStore } from "./dedupe-store.js";

// The stream's own notes, worded in the shared vocabulary.
export const STREAM_PLACEHOLDER = REPLY_TEXTS.searching;
export const STREAM_LATE_NOTE = REPLY_TEXTS.answerComingSeparately;
export const STREAM_SENT_SEPARATELY_NOTE = REPLY_TEXTS.answerSentSeparately;
export const STREAM_EXPIRED_NOTE = REPLY_TEXTS.answerExpired;
export const STREAM_TIMED_OUT_NOTE = REPLY_TEXTS.answerTimedOut;

export interface StreamSnapshot {
  id: string;
  content: string;
  finish: boolean;
}

interface StreamState {
  id: string;
  messageId: string;
  responseUrl?: string;
  /** Final markdown, once the answer is ready. */
  answer?: string;
  /** The window passed before a refresh could carry the answer. */
  closed: boolean;
  /** A refresh has been answered with `finish: true` and the answer. */
  delivered: boolean;
  postedToResponseUrl: boolean;
  timer?: NodeJS.Timeout;
}

export interface AnswerStreamsOptions {
  /** How long refreshes may carry the answer; well inside WeCom's 6 minutes. */
  windowMs?: number;
  /** Posts the late answer to a response_url; the caller checks the URL and logs failures. */
  postLateAnswer(responseUrl: string, markdown: string): Promise<void>;
  logger: Logger;
}

export interface AnswerStreams {
  /** Opens the stream for a message, or returns the one its first delivery opened. */
  open(messageId: string, responseUrl: string | undefined): { stream: StreamSnapshot; isNew: boolean };
  /** True when a stream for this message is open in this process. */
  has(messageId: string): boolean;
  /** Records the finished answer for a stream. */
  complete(streamId: string, markdown: string): void;
  /** What a refresh callback for `streamId` should show now. */
  refresh(streamId: string): StreamSnapshot;
  /** Clears timers; late answers still in progress are no longer posted. */
  close(): void;
}

export const DEFAULT_STREAM_WINDOW_MS = 4 * 60_000;

export function createAnswerStreams(options: AnswerStreamsOptions): AnswerStreams {
  const windowMs = options.windowMs ?? DEFAULT_STREAM_WINDOW_MS;
  const { logger } = options;
  const byMessage = createDedupeStore<StreamState>({ ttlMs: 30 * 60_000, maxEntries: 10_000 });
  const byId = new Map<string, StreamState>();
  let shutDown = false;

  function forget(state: StreamState): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    // Keep the state a while longer so retried refreshes still get the same final reply.
    const keep = setTimeout(() => byId.delete(state.id), 10 * 60_000);
    keep.unref();
  }

  function postLate(state: StreamState): void {
    if (state.postedToResponseUrl || state.answer === undefined || shutDown) return;
    if (!state.responseUrl) {
      logger.warn({ messageId: state.messageId }, "wecom: late answer dropped, the message had no response_url");
      return;
    }
    state.postedToResponseUrl = true;
    options.postLateAnswer(state.responseUrl, state.answer).then(
      () => logger.info({ messageId: state.messageId }, "wecom: late answer sent through response_url"),
      (error: unknown) => logger.error({ messageId: state.messageId, err: error }, "wecom: response_url post failed"),
    );
  }

  /** The snapshot WeCom is about to receive; a final one means the stream is done. */
  function present(state: StreamState): StreamSnapshot {
    const current = snapshot(state);
    if (current.finish && !state.delivered) {
      state.delivered = true;
      forget(state);
    }
    return current;
  }

  function snapshot(state: StreamState): StreamSnapshot {
    if (state.closed) {
      const note = state.postedToResponseUrl ? STREAM_SENT_SEPARATELY_NOTE : state.responseUrl ? STREAM_LATE_NOTE : STREAM_TIMED_OUT_NOTE;
      return { id: state.id, finish: true, content: note };
    }
    if (state.answer !== undefined) return { id: state.id, finish: true, content: state.answer };
    return { id: state.id, finish: false, content: STREAM_PLACEHOLDER };
  }

  return {
    open(messageId, responseUrl) {
      const { value: state, isNew } = byMessage.claim(messageId, () => ({
        id: randomUUID().replace(/-/g, ""),
        messageId,
        responseUrl,
        closed: false,
        delivered: false,
        postedToResponseUrl: false,
      }));
      if (isNew) {
        byId.set(state.id, state);
        state.timer = setTimeout(() => {
          state.timer = undefined;
          if (state.delivered) return;
          state.closed = true;
          postLate(state);
          forget(state);
        }, windowMs);
        state.timer.unref();
      }
      return { stream: present(state), isNew };
    },
    has(messageId) {
      return byMessage.has(messageId);
    },
    complete(streamId, markdown) {
      const state = byId.get(streamId);
      if (!state || state.answer !== undefined) return;
      state.answer = markdown;
      if (state.closed) postLate(state);
    },
    refresh(streamId) {
      const state = byId.get(streamId);
      if (!state) return { id: streamId, finish: true, content: STREAM_EXPIRED_NOTE };
      return present(state);
    },
    close() {
      shutDown = true;
      for (const state of byId.values()) if (state.timer) clearTimeout(state.timer);
      byId.clear();
    },
  };
}
