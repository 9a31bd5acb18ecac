/**
 * The one shape of every JSON error the server returns: `{ error: { code, message, hint } }`, so a
 * client can branch on `code` and show `hint` to a person.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type ErrorCode, KnowledgeBotError, type PlatformErrorCode } from "../core/errors.js";

export type HttpErrorCode =
  | "BODY_TOO_LARGE"
  | "INVALID_JSON"
  | "QUESTION_EMPTY"
  | "QUESTION_TOO_LONG"
  | "CONVERSATION_ID_INVALID"
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "REINDEX_FAILED"
  | "INDEX_LOCKED"
  | "REINDEX_INTERRUPTED"
  | "DISK_FULL"
  | "QUERY_INVALID"
  | "INTERNAL";

export interface JsonErrorBody {
  error: { code: string; message: string; hint: string };
}

/**
 * A refused request: a KnowledgeBotError with the status it is answered with. Its code is one of
 * the HTTP layer's own (`HttpErrorCode`) or a core or adapter code passed through unchanged.
 */
export class HttpError extends KnowledgeBotError<HttpErrorCode | ErrorCode | PlatformErrorCode> {
  readonly status: ContentfulStatusCode;

  constructor(status: ContentfulStatusCode, code: HttpError["code"], message: string, hint: string, options?: { cause?: unknown }) {
    super(code, message, hint, options);
    this.name = "HttpError";
    this.status = status;
  }
}

/** Answers with an HttpError's status and its `{ error: { code, message, hint } }` body. */
export function errorResponse(context: Context, error: HttpError): Response {
  const body: JsonErrorBody = { error: { code: error.code, message: error.message, hint: error.hint } };
  return context.json(body, error.status);
}

export function jsonError(context: Context, status: ContentfulStatusCode, code: HttpError["code"], message: string, hint: string): Response {
  return errorResponse(context, new HttpError(status, code, message, hint));
}

/**
 * How a failed re-index is answered: a re-index already running (409), one stopped because the
 * server is shutting down (503) and a full disk (507) keep their own code, so a client can tell
 * "try later" from "free space"; any other coded failure is REINDEX_FAILED (500).
 */
export function reindexFailure(code: string): { status: ContentfulStatusCode; code: HttpErrorCode } {
  if (code === "INDEX_LOCKED") return { status: 409, code: "INDEX_LOCKED" };
  if (code === "REINDEX_INTERRUPTED") return { status: 503, code: "REINDEX_INTERRUPTED" };
  if (code === "DISK_FULL") return { status: 507, code: "DISK_FULL" };
  return { status: 500, code: "REINDEX_FAILED" };
}
