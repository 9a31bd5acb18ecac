/**
 * Errors raised by the WeCom adapter: KnowledgeBotErrors whose codes start with `WECOM_`, each also
 * carrying the HTTP status a callback answers with. Messages never contain the payload.
 */
import { KnowledgeBotError } from "../../src/core/errors.js";

export type WecomErrorCode =
  | "WECOM_PARAMETERS_MISSING"
  | "WECOM_TIMESTAMP_OUT_OF_WINDOW"
  | "WECOM_SIGNATURE_INVALID"
  | "WECOM_DECRYPT_FAILED"
  | "WECOM_RECEIVE_ID_MISMATCH"
  | "WECOM_PAYLOAD_MALFORMED"
  | "WECOM_BODY_TOO_LARGE"
  | "WECOM_KEY_INVALID"
  | "WECOM_API_REQUEST"
  | "WECOM_API_ERROR"
  | "WECOM_CREDENTIALS_REFUSED";

export class WecomError extends KnowledgeBotError<WecomErrorCode> {
  /** Status a callback route answers with when this error ends the request. */
  readonly status: 400 | 401 | 403 | 413 | 500 | 502;
  /** WeCom's own errcode, for API errors. */
  readonly errcode?: number;

  constructor(code: WecomErrorCode, message: string, hint: string, options: { status?: WecomError["status"]; errcode?: number; cause?: unknown } = {}) {
    super(code, message, hint, { cause: options.cause });
    this.name = "WecomError";
    this.status = options.status ?? 400;
    this.errcode = options.errcode;
  }
}

export function isWecomError(value: unknown): value is WecomError {
  return value instanceof WecomError;
}
