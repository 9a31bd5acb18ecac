/**
 * The one shape of every JSON error the server returns: `{ error: { code, message, hint } }`, so a
 * client can branch on `code` and show `hint` to a person.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type HttpErrorCode =
  | "BODY_TOO_LARGE"
  | "INVALID_JSON"
  | "QUESTION_EMPTY"
  | "QUESTION_TOO_LONG"
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "REINDEX_FAILED"
  | "INDEX_LOCKED"
  | "REINDEX_INTERRUPTED"
  | "DISK_FULL"
  | "INTERNAL";

export interface JsonErrorBody {
  error: { code: string; message: string; hint: string };
}

export function jsonError(context: Context, status: ContentfulStatusCode, code: HttpErrorCode | string, message: string, hint: string): Response {
  const body: JsonErrorBody = { error: { code, message, hint } };
  return context.json(body, status);
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
