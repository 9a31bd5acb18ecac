/**
 * Reads and checks the JSON body of the question routes. Each failure becomes a 4xx with a code and
 * a hint; nothing here throws past the route.
 */
import type { Context } from "hono";
import { jsonError } from "./json-error.js";

/** `conversationId` is passed on as sent: only /api/ask reads it, and checks it itself. */
export type QuestionBody = { question: string; limit?: number; conversationId?: unknown };

/** The parsed body, or the error response to send. */
export async function readQuestion(context: Context, maxQuestionChars: number): Promise<QuestionBody | Response> {
  // Reading is not wrapped: a body over the limit must reach the body-limit middleware as its own error.
  const raw = await context.req.text();
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return jsonError(
      context,
      400,
      "INVALID_JSON",
      "The request body is not valid JSON.",
      'Send a JSON object such as {"question": "医保怎么报销"} with Content-Type: application/json.',
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return jsonError(context, 400, "INVALID_JSON", "The request body must be a JSON object.", 'Send {"question": "..."}.');
  }
  const { question, limit, conversationId } = body as Record<string, unknown>;
  if (typeof question !== "string" || question.trim() === "") {
    return jsonError(context, 400, "QUESTION_EMPTY", "The question is empty.", 'Put the question text in the "question" field.');
  }
  const length = [...question].length;
  if (length > maxQuestionChars) {
    return jsonError(
      context,
      413,
      "QUESTION_TOO_LONG",
      `The question has ${length} characters; at most ${maxQuestionChars} are accepted.`,
      "Ask a shorter question: one or two sentences work best.",
    );
  }
  const wantedLimit = typeof limit === "number" && Number.isFinite(limit) ? Math.min(50, Math.max(1, Math.floor(limit))) : undefined;
  return { question: question.trim(), limit: wantedLimit, conversationId };
}
