/**
 * The AI bot answers with a "stream": the first passive reply is a placeholder carrying a stream
 * id we choose, WeCom then keeps POSTing refresh callbacks for that id and shows whatever the
 * latest reply holds, until one says `finish: true`. Refreshes stop 6 min after the user's
 * message, so a stream that is not done inside our window is closed and the answer goes through
 * the message's single-use `response_url` instead (one POST, valid 1 h).
 *
 * Behind a load balancer each callback may reach another replica, so the stream lives in shared
 * values, never in this process alone. Each fact has one writer and never changes once written:
 * - by message id: the stream (id, response_url, window end), put-if-absent, so whichever replica
 *   gets the first delivery opens it and every retry, on any replica, gets the same stream;
 * - the answer, written by the replica that computed it;
 * - the outcome, put-if-absent: "delivered" (a reply carried the answer) or "closed" (the window
 *   ended first). Deciding it atomically is what keeps a late answer from showing in the stream
 *   and arriving through response_url as well;
 * - the late post, put-if-absent before the one response_url POST, so it happens once and a
 *   refresh can tell it went out.
 * Facts are immutable, so this process caches them once seen; an absent fact is always read again.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import type { SharedValues } from "./shared-values.js";

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

/** The shared values' kinds; each names one fact of a stream. */
const STREAM_BY_MESSAGE = "wecom-stream-by-message";
const STREAM = "wecom-stream";
const STREAM_ANSWER = "wecom-stream-answer";
const STREAM_OUTCOME = "wecom-stream-outcome";
const LATE_POST = "wecom-late-post";

/** Longer than WeCom's 6 minutes of refreshes and its retries; a stream needs nothing after that. */
export const STREAM_STATE_TTL_MS = 30 * 60_000;
export const DEFAULT_STREAM_WINDOW_MS = 4 * 60_000;
const MAX_CACHED_STREAMS = 5_000;

interface StreamInfo {
  id: string;
  messageId: string;
  responseUrl?: string;
  /** When refreshes stop carrying the answer (epoch ms), fixed by the replica that opened the stream. */
  closesAt: number;
}

type Outcome = "delivered" | "closed";

/** What this process has seen of a stream; only facts that can no longer change. */
interface KnownStream {
  info: StreamInfo;
  answer?: string;
  outcome?: Outcome;
  latePosted?: boolean;
}

export interface AnswerStreamsOptions {
  /** The state store's shared values (or the in-memory stand-in). */
  values: SharedValues;
  /** How long refreshes may carry the answer; well inside WeCom's 6 minutes. */
  windowMs?: number;
  /** Posts the late answer to a response_url; the caller checks the URL and logs failures. */
  postLateAnswer(responseUrl: string, markdown: string): Promise<void>;
  logger: Logger;
  now?: () => number;
}

export interface AnswerStreams {
  /** Opens the stream for a message, or returns the one its first delivery opened (on any replica). */
  open(messageId: string, responseUrl: string | undefined): Promise<{ stream: StreamSnapshot; isNew: boolean }>;
  /** Records the finished answer for a stream; the first answer stays. */
  complete(streamId: string, markdown: string): Promise<void>;
  /** What a refresh callback for `streamId` should show now. */
  refresh(streamId: string): Promise<StreamSnapshot>;
  /** Clears timers; late answers still in progress are no longer posted. */
  close(): void;
}

function parseInfo(raw: string | undefined): StreamInfo | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<StreamInfo>;
    if (typeof parsed.id !== "string" || typeof parsed.messageId !== "string" || typeof parsed.closesAt !== "number") return undefined;
    return { id: parsed.id, messageId: parsed.messageId, responseUrl: parsed.responseUrl, closesAt: parsed.closesAt };
  } catch {
    return undefined;
  }
}

export function createAnswerStreams(options: AnswerStreamsOptions): AnswerStreams {
  const windowMs = options.windowMs ?? DEFAULT_STREAM_WINDOW_MS;
  const { logger, values } = options;
  const now = options.now ?? Date.now;
  const known = new Map<string, KnownStream>();
  const timers = new Set<NodeJS.Timeout>();
  let shutDown = false;

  function remember(info: StreamInfo): KnownStream {
    const existing = known.get(info.id);
    if (existing) return existing;
    if (known.size >= MAX_CACHED_STREAMS) known.delete(known.keys().next().value!);
    const stream: KnownStream = { info };
    known.set(info.id, stream);
    return stream;
  }

  async function find(streamId: string): Promise<KnownStream | undefined> {
    const cached = known.get(streamId);
    if (cached) return cached;
    const info = parseInfo(await values.getValue(STREAM, streamId));
    return info ? remember(info) : undefined;
  }

  async function answerOf(stream: KnownStream): Promise<string | undefined> {
    stream.answer ??= await values.getValue(STREAM_ANSWER, stream.info.id);
    return stream.answer;
  }

  async function outcomeOf(stream: KnownStream): Promise<Outcome | undefined> {
    if (stream.outcome) return stream.outcome;
    const stored = await values.getValue(STREAM_OUTCOME, stream.info.id);
    if (stored === "delivered" || stored === "closed") stream.outcome = stored;
    return stream.outcome;
  }

  /** Settles the outcome unless another callback (here or on another replica) already did; returns the one that holds. */
  async function decide(stream: KnownStream, outcome: Outcome): Promise<{ outcome: Outcome; decidedHere: boolean }> {
    if (stream.outcome) return { outcome: stream.outcome, decidedHere: false };
    const { value, isNew } = await values.putIfAbsent(STREAM_OUTCOME, stream.info.id, outcome, STREAM_STATE_TTL_MS, now());
    stream.outcome = value === "delivered" ? "delivered" : "closed";
    return { outcome: stream.outcome, decidedHere: isNew };
  }

  /** Ends the window: if no reply carried the answer yet, none will, and an answer already there goes to response_url. */
  async function closeWindow(stream: KnownStream): Promise<Outcome> {
    const { outcome, decidedHere } = await decide(stream, "closed");
    if (decidedHere) postLateInBackground(stream);
    return outcome;
  }

  function postLateInBackground(stream: KnownStream): void {
    postLate(stream).catch((error: unknown) => logger.error({ messageId: stream.info.messageId, err: error }, "wecom: response_url post failed"));
  }

  /**
   * Called both when the window closes and when the answer arrives: whichever of the two happens
   * second (each writes its fact before reading the other's) finds both and posts; the
   * put-if-absent on the late post keeps it to one POST even when both do.
   */
  async function postLate(stream: KnownStream): Promise<void> {
    if (shutDown) return;
    const answer = await answerOf(stream);
    if (answer === undefined) return;
    const { responseUrl, messageId, id } = stream.info;
    if (!responseUrl) {
      logger.warn({ messageId }, "wecom: late answer dropped, the message had no response_url");
      return;
    }
    const { isNew } = await values.putIfAbsent(LATE_POST, id, "posted", STREAM_STATE_TTL_MS, now());
    if (!isNew) return;
    stream.latePosted = true;
    await options.postLateAnswer(responseUrl, answer);
    logger.info({ messageId }, "wecom: late answer sent through response_url");
  }

  async function closedNote(stream: KnownStream): Promise<string> {
    stream.latePosted ||= (await values.getValue(LATE_POST, stream.info.id)) !== undefined;
    if (stream.latePosted) return STREAM_SENT_SEPARATELY_NOTE;
    return stream.info.responseUrl ? STREAM_LATE_NOTE : STREAM_TIMED_OUT_NOTE;
  }

  /** The snapshot WeCom is about to receive; showing the answer settles the stream as delivered. */
  async function present(stream: KnownStream): Promise<StreamSnapshot> {
    const { id, closesAt } = stream.info;
    let outcome = await outcomeOf(stream);
    if (!outcome) {
      if (now() >= closesAt) outcome = await closeWindow(stream);
      else if ((await answerOf(stream)) !== undefined) outcome = (await decide(stream, "delivered")).outcome;
    }
    if (outcome === "delivered") return { id, finish: true, content: (await answerOf(stream)) ?? STREAM_EXPIRED_NOTE };
    if (outcome === "closed") return { id, finish: true, content: await closedNote(stream) };
    return { id, finish: false, content: STREAM_PLACEHOLDER };
  }

  function scheduleWindowEnd(stream: KnownStream): void {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (shutDown) return;
        closeWindow(stream).catch((error: unknown) => logger.error({ messageId: stream.info.messageId, err: error }, "wecom: closing a stream failed"));
      },
      Math.max(0, stream.info.closesAt - now()),
    );
    timer.unref();
    timers.add(timer);
  }

  return {
    async open(messageId, responseUrl) {
      const candidate: StreamInfo = { id: randomUUID().replace(/-/g, ""), messageId, responseUrl, closesAt: now() + windowMs };
      const serialized = JSON.stringify(candidate);
      const { value, isNew } = await values.putIfAbsent(STREAM_BY_MESSAGE, messageId, serialized, STREAM_STATE_TTL_MS, now());
      const stream = remember((isNew ? candidate : parseInfo(value)) ?? candidate);
      if (isNew) {
        // Written before the first reply leaves, so a refresh (which names only the stream id) finds it anywhere.
        await values.putValue(STREAM, candidate.id, serialized, STREAM_STATE_TTL_MS, now());
        // The opener also ends the window when no refresh comes to do it.
        scheduleWindowEnd(stream);
      }
      return { stream: await present(stream), isNew };
    },

    async complete(streamId, markdown) {
      const stream = await find(streamId);
      if (!stream) {
        logger.warn("wecom: answer ready for a stream that expired; dropped");
        return;
      }
      const { value } = await values.putIfAbsent(STREAM_ANSWER, streamId, markdown, STREAM_STATE_TTL_MS, now());
      stream.answer = value;
      const outcome = await outcomeOf(stream);
      if (outcome === "closed") postLateInBackground(stream);
      else if (!outcome && now() >= stream.info.closesAt) await closeWindow(stream);
    },

    async refresh(streamId) {
      const stream = await find(streamId);
      if (!stream) return { id: streamId, finish: true, content: STREAM_EXPIRED_NOTE };
      return present(stream);
    },

    close() {
      shutDown = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      known.clear();
    },
  };
}
