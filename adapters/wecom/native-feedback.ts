/**
 * WeCom's own 👍 / 👎 under an AI-bot answer. Sources: the official AI-bot pages
 * (developer.work.weixin.qq.com/document/path/101031, passive replies with the stream's optional
 * `feedback`; 101027, events, which lists a 用户反馈事件 — the stored copy did not show that
 * event's body) and two implementations of the same protocol: the Rust port of the official SDK
 * (feedback is set on the first reply only) and LangBot's WeCom AI-bot adapter (the event's field
 * names, its 1/2/3 types, and an empty reply to it). As they read it:
 * - a stream reply may carry `stream.feedback.id` (at most 256 bytes), set on the first reply to
 *   a message; WeCom then shows the feedback buttons under that message;
 * - a press comes back as an event callback with `event.eventtype = "feedback_event"` and
 *   `event.feedback_event = { id, type, content?, inaccurate_reason_list? }`, where `type` is 1 for
 *   accurate (like), 2 for inaccurate (dislike) and 3 for a withdrawn press; `id` is the one we set;
 * - the callback is answered with an empty reply.
 *
 * The first reply leaves before the answer exists, so its feedback id cannot be the answerId the
 * responder gives the answer later. It is the stream id instead, and once the answer is ready the
 * shared values map that id to the answerId, for as long as the question log keeps the answer.
 */
import type { Logger } from "pino";
import type { Rating, StateStore } from "../../src/state/state-store.js";
import { voterKey } from "../../src/state/voter-key.js";
import { maskPersonalData } from "../../src/core/mask-personal-data.js";
import type { SharedValues } from "./shared-values.js";

const FEEDBACK_TARGET = "wecom-feedback";
const FEEDBACK_ID_MAX_BYTES = 256;
const MAX_COMMENT_CHARS = 1000;

/** What a `feedback_event` callback says, as ai-bot-message.ts parses it. */
export interface FeedbackPress {
  id: string;
  /** 1 like, 2 dislike, 3 withdrawn. */
  type: number;
  content?: string;
  reasons: string[];
}

export type FeedbackResult = "recorded" | "unknown-answer" | "not-a-vote";

export interface NativeFeedback {
  /** The `feedback` field for the first reply of the stream, or undefined when no vote could be kept. */
  fieldFor(streamId: string): { id: string } | undefined;
  /** Makes a press on the stream's message a vote on `answerId`. */
  link(streamId: string, answerId: string): Promise<void>;
  /** Records a press as the user's vote on the answer its id names. */
  record(press: FeedbackPress, userId: string): Promise<FeedbackResult>;
}

export interface NativeFeedbackOptions {
  values: SharedValues;
  /** The store's votes; absent (or the question log off) means the buttons are not offered. */
  votes?: Pick<StateStore, "recordVote">;
  /** How long an answer can be voted on: the question log's retention. */
  retentionMs: number;
  logger: Logger;
  now?: () => number;
}

function ratingOf(type: number): Rating | undefined {
  if (type === 1) return "up";
  if (type === 2) return "down";
  return undefined;
}

/** The user's words and chosen reasons, masked like every logged question, or nothing. */
function commentOf(press: FeedbackPress): string | undefined {
  const parts = [press.content?.trim() ?? "", press.reasons.length > 0 ? `原因：${press.reasons.join("、")}` : ""].filter(Boolean);
  if (parts.length === 0) return undefined;
  return [...maskPersonalData(parts.join("\n"))].slice(0, MAX_COMMENT_CHARS).join("");
}

export function createNativeFeedback(options: NativeFeedbackOptions): NativeFeedback {
  const { values, votes, logger } = options;
  const now = options.now ?? Date.now;

  return {
    fieldFor(streamId) {
      if (!votes || Buffer.byteLength(streamId, "utf8") > FEEDBACK_ID_MAX_BYTES) return undefined;
      return { id: streamId };
    },

    async link(streamId, answerId) {
      if (!votes) return;
      try {
        await values.putValue(FEEDBACK_TARGET, streamId, answerId, options.retentionMs, now());
      } catch (error) {
        // The answer still goes out; only a later press on it is lost.
        logger.warn({ err: error }, "wecom: feedback id not linked to its answer; a press on it will be ignored");
      }
    },

    async record(press, userId) {
      const rating = ratingOf(press.type);
      // A withdrawn press: the store keeps one vote per person and has no "no vote", so the last vote stays.
      if (!rating || !votes) return "not-a-vote";
      const answerId = await values.getValue(FEEDBACK_TARGET, press.id, now());
      if (!answerId) return "unknown-answer";
      const recorded = await votes.recordVote({ answerId, voter: voterKey("wecom", userId), rating, comment: commentOf(press), at: now() });
      return recorded ? "recorded" : "unknown-answer";
    },
  };
}
