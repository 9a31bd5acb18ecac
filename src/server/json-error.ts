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
  | "REINDEX_BUSY"
  | "REINDEX_FAILED"
  | "INTERNAL";

export interface JsonErrorBody {
  error: { code: string; message: string; hint: string };
}

export function jsonError(context: Context, status: ContentfulStatusCode, code: HttpErrorCode | string, message: string, hint: string): Response {
  const body: JsonErrorBody = { error: { code, message, hint } };
  return context.json(body, status);
}
