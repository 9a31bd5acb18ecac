/**
 * Every error the bot raises on purpose carries a machine-readable code and a hint that
 * tells the reader what to do about it. This is the one root: adapters and the HTTP layer
 * extend it too, so a log line, a CLI message or a JSON error reads the same way everywhere.
 *
 * Codes: `ErrorCode` below is the platform-independent vocabulary of the core. An adapter keeps its
 * own codes in its own folder, each starting with the platform's name in capitals and `_`
 * (`WECOM_SIGNATURE_INVALID`, `TELEGRAM_TOKEN_REJECTED`), and passes that union as the type
 * parameter. The core never lists them, so a new platform adds no line here, and the prefix keeps
 * every code unique and tells a reader of a log where it came from.
 */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "USAGE"
  | "KNOWLEDGE_DIR_MISSING"
  | "SOURCE_UNREADABLE"
  | "SOURCE_ENCODING"
  | "SOURCE_EMPTY"
  | "SOURCE_MALFORMED"
  | "SOURCE_DUPLICATE_ID"
  | "SOURCE_UNSUPPORTED"
  | "SOURCE_TOO_LARGE"
  | "SOURCE_ENCRYPTED"
  | "SOURCE_NEEDS_OCR"
  | "SOURCE_DUPLICATE"
  | "SOURCE_STALE"
  | "INDEX_MISSING"
  | "INDEX_CORRUPT"
  | "INDEX_OUTDATED"
  | "INDEX_EMBEDDER_MISMATCH"
  | "INDEX_LOCKED"
  | "INDEX_TOO_LARGE"
  | "REINDEX_INTERRUPTED"
  | "DISK_FULL"
  | "RATE_LIMITED"
  | "EMBEDDER_AUTH"
  | "EMBEDDER_DIMENSIONS"
  | "EMBEDDER_REQUEST"
  | "CHAT_MODEL_REQUEST"
  | "QUESTION_INVALID"
  | "STATE_STORE_UNAVAILABLE"
  | "DELIVERY_LEASE_LOST"
  | "DELIVERY_UNREADABLE"
  | "DATA_DIR_UNWRITABLE"
  | "PORT_IN_USE"
  | "PORT_NOT_PERMITTED"
  | "HOST_UNAVAILABLE"
  | "ANSWER_NOT_FOUND"
  | "FEEDBACK_INVALID"
  | "UPLOAD_INVALID"
  | "ANSWER_MODEL_MISMATCH";

/** A code an adapter owns: its platform's name in capitals, `_`, then what went wrong. */
export type PlatformErrorCode = `${Uppercase<string>}_${string}`;

export class KnowledgeBotError<Code extends string = ErrorCode> extends Error {
  readonly code: Code;
  readonly hint: string;

  constructor(code: Code, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KnowledgeBotError";
    this.code = code;
    this.hint = hint;
  }

  /** One line for people: what went wrong, then what to do. */
  describe(): string {
    return `${this.message} (${this.code}). ${this.hint}`;
  }
}

/** Any deliberate error, the core's or an adapter's. */
export type AnyKnowledgeBotError = KnowledgeBotError<ErrorCode | PlatformErrorCode>;

/** True for every deliberate error, the core's and the adapters' alike. */
export function isKnowledgeBotError(value: unknown): value is AnyKnowledgeBotError {
  return value instanceof KnowledgeBotError;
}
