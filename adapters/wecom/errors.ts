/**
 * Errors raised by the WeCom adapter. Each carries a machine-readable code, the HTTP status a
 * callback answers with, and a hint that says what to fix. Messages never contain the payload.
 */
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
  | "WECOM_API_ERROR";

export class WecomError extends Error {
  readonly code: WecomErrorCode;
  readonly hint: string;
  /** Status a callback route answers with when this error ends the request. */
  readonly status: 400 | 401 | 403 | 413 | 500 | 502;
  /** WeCom's own errcode, for API errors. */
  readonly errcode?: number;

  constructor(code: WecomErrorCode, message: string, hint: string, options: { status?: WecomError["status"]; errcode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "WecomError";
    this.code = code;
    this.hint = hint;
    this.status = options.status ?? 400;
    this.errcode = options.errcode;
  }

  /** One line for people: what went wrong, then what to do. */
  describe(): string {
    return `${this.message} (${this.code}). ${this.hint}`;
  }
}

export function isWecomError(value: unknown): value is WecomError {
  return value instanceof WecomError;
}
