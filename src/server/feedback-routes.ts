/**
 * `POST /api/feedback {"answerId", "rating": "up"|"down", "comment"?}`: a vote on an answer the
 * question log holds. One vote per person per answer, changeable. The web page shows an answer to
 * the browser that asked it alone, so only that browser votes on it: the identity it asked with (its
 * signed `kb_voter` cookie, or its address when it had none; voter-cookie.ts) must be the one voting.
 * A made-up or rotated cookie is no other person, and a cookie fetched anew is not the asker. The
 * store keeps only a hash of the identity.
 */
import type { Hono } from "hono";
import type { StateStore } from "../state/state-store.js";
import { voterKey } from "../state/voter-key.js";
import { jsonError } from "./json-error.js";
import { noteForLog } from "./request-log.js";
import type { VoterCookies } from "./voter-cookie.js";

const MAX_COMMENT_CHARS = 1000;
const answerIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export function mountFeedbackRoutes(app: Hono, store: StateStore | undefined, voterCookies: VoterCookies): void {
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
    const voter = await voterCookies.identify(context);
    // The cookie's identity first; an answer asked before the browser had a cookie was asked as its address.
    const identities = voter.cookieIdentity ? [voter.cookieIdentity, voter.addressIdentity] : [voter.addressIdentity];
    let recorded = false;
    for (const identity of identities) {
      if (!store || recorded) break;
      recorded = await store.recordVote({ answerId, voter: voterKey("web", identity), rating, comment, at: Date.now(), onlyAsker: true });
    }
    if (!recorded) {
      return jsonError(
        context,
        404,
        "ANSWER_NOT_FOUND",
        `No logged answer with the id ${answerId} was given to this browser.`,
        "Feedback names an answer this browser was given, from the question log; it is unknown, older than QUESTION_LOG_DAYS, or the log is off (QUESTION_LOG=off).",
      );
    }
    noteForLog(context, { feedback: rating });
    return context.json({ answerId, rating });
  });
}
