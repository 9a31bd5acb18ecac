/**
 * Every error the bot raises on purpose carries a machine-readable code and a hint that
 * tells the reader what to do about it.
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
  | "QUESTION_INVALID";

export class KnowledgeBotError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, hint: string, options?: { cause?: unknown }) {
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

export function isKnowledgeBotError(value: unknown): value is KnowledgeBotError {
  return value instanceof KnowledgeBotError;
}
