/**
 * Structured logs, one JSON line per event. No secret reaches a line, in three layers:
 *   1. `redact` censors the fields where credentials usually sit (authorization headers, tokens,
 *      secrets, API keys, request payloads and bodies);
 *   2. the `err` serializer keeps only what explains an error (type, message, code, hint, the
 *      platform's description, the cause) and drops whatever an HTTP client or telegraf attached
 *      (telegraf's `on.payload` carries the webhook `secret_token`, client configs carry headers);
 *   3. every finished line is scrubbed of Bot API tokens, credentials in URL query strings, bearer
 *      tokens and, by value, the secrets the configuration holds.
 * Personal data in questions is masked by the call sites with `maskPersonalData`; error messages
 * and stacks are masked here as well, since a parser error may quote what a user sent.
 */
import pino, { type Logger } from "pino";
import { maskPersonalData } from "./mask-personal-data.js";

export const REDACTED = "[redacted]";

const secretFieldNames = [
  "authorization",
  "cookie",
  "token",
  "secret",
  "password",
  "apiKey",
  "api_key",
  "accessToken",
  "access_token",
  "corpsecret",
  "secret_token",
  "botToken",
  "webhookSecret",
  "webhookKey",
  "adminToken",
  "encodingAesKey",
  "payload",
  "body",
];

/** Fields censored at the top level and one level down (`*.token`), plus the usual HTTP-client spots. */
export const REDACT_PATHS = [
  ...secretFieldNames.flatMap((name) => [name, `*.${name}`]),
  ...["headers", "config", "request", "response"].flatMap((holder) => [
    `${holder}.headers.authorization`,
    `*.${holder}.headers.authorization`,
    `${holder}.headers.cookie`,
    `*.${holder}.headers.cookie`,
    `${holder}.headers["x-api-key"]`,
    `*.${holder}.headers["x-api-key"]`,
    `${holder}.headers["x-telegram-bot-api-secret-token"]`,
    `*.${holder}.headers["x-telegram-bot-api-secret-token"]`,
  ]),
  "config.data",
  "*.config.data",
  "response.config",
  "*.response.config",
  "response.request",
  "*.response.request",
];

// Query parameters that carry credentials: WeCom's access_token and corpsecret, the group webhook's
// key, the single-use response_code of an AI-bot reply URL, and the generic names.
const CREDENTIAL_QUERY = /([?&](?:key|access_token|corpsecret|secret|token|api_key|apikey|password|secret_token|response_code)=)[^&#\s"'\\]+/gi;
// A Bot API token in a URL path (`/bot<token>/`) or on its own (`123456:AA…`).
const BOT_TOKEN_IN_PATH = /bot\d+:[A-Za-z0-9_-]+/g;
const BOT_TOKEN = /(?<![A-Za-z0-9_-])\d{5,}:[A-Za-z0-9_-]{20,}/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

/** Removes credentials that have a recognisable shape from any text. */
export function scrubSecrets(text: string): string {
  return text
    .replace(BOT_TOKEN_IN_PATH, `bot${REDACTED}`)
    .replace(BOT_TOKEN, REDACTED)
    .replace(CREDENTIAL_QUERY, `$1${REDACTED}`)
    .replace(BEARER, `$1${REDACTED}`);
}

/** Fields of an error worth keeping: they say what failed and what to do, never what was sent. */
const KEPT_ERROR_FIELDS = ["code", "errcode", "status", "statusCode", "hint", "description", "file", "line", "syscall"] as const;
const MAX_CAUSE_DEPTH = 4;

type Scrub = (text: string) => string;
const keepText: Scrub = (text) => text;

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === "object" && value !== null && typeof (value as Error).message === "string" && "stack" in value);
}

/**
 * The `err` serializer: an allow-list of fields, so payloads, configs and headers never get in.
 * `byValue` removes configured secrets first, before masking could change how they look.
 */
export function serializeError(value: unknown, depth = 0, byValue: Scrub = keepText): unknown {
  const cleanText = (text: string) => maskPersonalData(scrubSecrets(byValue(text)));
  if (!isErrorLike(value)) {
    if (typeof value === "string") return cleanText(value);
    if (typeof value !== "object" || value === null) return value;
    // A thrown non-error object may be anything, a request config included: only its kind is kept.
    return { type: Object.prototype.toString.call(value), message: "a non-error value was thrown" };
  }
  const error = value as Error & Record<string, unknown>;
  const serialized: Record<string, unknown> = {
    type: error.constructor?.name ?? error.name,
    message: cleanText(String(error.message)),
  };
  for (const field of KEPT_ERROR_FIELDS) {
    let fieldValue: unknown;
    try {
      fieldValue = error[field];
    } catch {
      continue;
    }
    if (typeof fieldValue === "string") serialized[field] = cleanText(fieldValue);
    else if (typeof fieldValue === "number" || typeof fieldValue === "boolean") serialized[field] = fieldValue;
  }
  // telegraf's TelegramError says which Bot API method failed; its payload stays out.
  const on = error.on as { method?: unknown } | undefined;
  if (typeof on?.method === "string") serialized.method = on.method;
  const retryAfter = (error.parameters as { retry_after?: unknown } | undefined)?.retry_after;
  if (typeof retryAfter === "number") serialized.retryAfter = retryAfter;
  if (typeof error.stack === "string") serialized.stack = cleanText(error.stack);
  if (depth < MAX_CAUSE_DEPTH) {
    if (error.cause !== undefined) serialized.cause = serializeError(error.cause, depth + 1, byValue);
    if (Array.isArray(error.errors)) serialized.errors = error.errors.slice(0, 10).map((inner) => serializeError(inner, depth + 1, byValue));
  }
  return serialized;
}

/** Secret values shorter than this are not replaced by value: they would match ordinary text. */
const MIN_SECRET_LENGTH = 8;

function valueScrubber(secrets: Iterable<string | undefined>): Scrub {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    // As it appears inside a JSON string, and percent-encoded in a URL.
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  // Longest first, so a token is replaced whole before a part of it is.
  const ordered = [...forms].sort((left, right) => right.length - left.length);
  return (line) => {
    let scrubbed = line;
    for (const form of ordered) if (scrubbed.includes(form)) scrubbed = scrubbed.split(form).join(REDACTED);
    return scrubbed;
  };
}

export interface LoggerOptions {
  /** Values replaced wherever they appear in a line (the entry points pass `configuredSecrets`, src/configured-secrets.ts). */
  secrets?: Iterable<string | undefined>;
}

export function createLogger(level: string = "info", destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
  const byValue = valueScrubber(options.secrets ?? []);
  const errorSerializer = (value: unknown) => serializeError(value, 0, byValue);
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: errorSerializer, error: errorSerializer, reason: errorSerializer },
      hooks: { streamWrite: (line) => byValue(scrubSecrets(line)) },
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

export type { Logger };
