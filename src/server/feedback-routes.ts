/**
 * `POST /api/feedback {"answerId", "rating": "up"|"down", "comment"?}`: a vote on an answer the
 * question log holds. One vote per person per answer, changeable: the web voter is the browser's
 * `kb_voter` cookie when it has one, else the client address; the store keeps only a hash of it.
 */
import type { Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { StateStore } from "../state/state-store.js";
import { voterKey } from "../state/voter-key.js";
import { jsonError } from "./json-error.js";
import { clientAddress } from "./rate-limit.js";
import { noteForLog } from "./request-log.js";

const MAX_COMMENT_CHARS = 1000;
const answerIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export function mountFeedbackRoutes(app: Hono, store: StateStore | undefined): void {
  app.post("/api/feedback", async (context) => {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await context.req.text());
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    } catch {
      return jsonError(context, 400, "INVALID_JSON", "The body is not a JSON object.", 'Send {"answerId": "...", "rating": "up" | "down"}.');
    }
    const { answerId, rating, comment } = body;
    if (typeof answerId !== "string" || !answerIdPattern.test(answerId)) {
      return jsonError(context, 400, "FEEDBACK_INVALID", "answerId must be the answerId an answer returned.", "Send the answerId from POST /api/ask's reply.");
    }
    if (rating !== "up" && rating !== "down") {
      return jsonError(context, 400, "FEEDBACK_INVALID", 'rating must be "up" or "down".', 'Send "rating": "up" or "rating": "down".');
    }
    if (comment !== undefined && (typeof comment !== "string" || [...comment].length > MAX_COMMENT_CHARS)) {
      return jsonError(
        context,
        400,
        "FEEDBACK_INVALID",
        `comment must be text of at most ${MAX_COMMENT_CHARS} characters.`,
        "Shorten the comment or leave it out.",
      );
    }
    const identity = getCookie(context, "kb_voter") ?? clientAddress(context);
    const recorded = store ? await store.recordVote({ answerId, voter: voterKey("web", identity), rating, comment, at: Date.now() }) : false;
    if (!recorded) {
      return jsonError(
        context,
        404,
        "ANSWER_NOT_FOUND",
        `No logged answer has the id ${answerId}.`,
        "Feedback names an answer from the question log; it is unknown, older than QUESTION_LOG_DAYS, or the log is off (QUESTION_LOG=off).",
      );
    }
    noteForLog(context, { feedback: rating });
    return context.json({ answerId, rating });
  });
}
