/**
 * Turns Bot API failures into KnowledgeBotErrors (codes starting with `TELEGRAM_`) that say what
 * happened and what to do about it, for the log. (Named apart from telegraf's own TelegramError.)
 */
import { KnowledgeBotError } from "../../src/core/errors.js";

export type TelegramErrorCode =
  "TELEGRAM_WEBHOOK_ACTIVE" | "TELEGRAM_WEBHOOK_REFUSED" | "TELEGRAM_POLLING_CONFLICT" | "TELEGRAM_TOKEN_REJECTED" | "TELEGRAM_UNREACHABLE";

export class TelegramAdapterError extends KnowledgeBotError<TelegramErrorCode> {
  constructor(code: TelegramErrorCode, message: string, hint: string, options?: { cause?: unknown }) {
    super(code, message, hint, options);
    this.name = "TelegramAdapterError";
  }
}

function readError(error: unknown): { code?: number; description: string } {
  const candidate = error as { code?: unknown; response?: { error_code?: unknown; description?: unknown }; message?: unknown };
  const code =
    typeof candidate?.code === "number" ? candidate.code : typeof candidate?.response?.error_code === "number" ? candidate.response.error_code : undefined;
  const description = typeof candidate?.response?.description === "string" ? candidate.response.description : String(candidate?.message ?? error);
  return { code, description };
}

/** Explains a failure of getMe, getUpdates or setWebhook, the calls that keep the bot reachable. */
export function describeConnectionError(error: unknown): TelegramAdapterError {
  const { code, description } = readError(error);
  if (code === 409 && /webhook/i.test(description)) {
    return new TelegramAdapterError(
      "TELEGRAM_WEBHOOK_ACTIVE",
      `Telegram refused long polling: ${description}`,
      "A webhook is set for this token. Set TELEGRAM_WEBHOOK_URL to run in webhook mode, or stop the instance that set the webhook and restart this one (start-up deletes the webhook).",
      { cause: error },
    );
  }
  if (code === 409) {
    return new TelegramAdapterError(
      "TELEGRAM_POLLING_CONFLICT",
      `Telegram refused long polling: ${description}`,
      "Another process is polling with the same TELEGRAM_BOT_TOKEN. Stop the other instance (or revoke the token with BotFather's /revoke if you do not know where it runs); only one poller per token is allowed.",
      { cause: error },
    );
  }
  if (code === 401 || code === 404) {
    return new TelegramAdapterError(
      "TELEGRAM_TOKEN_REJECTED",
      `Telegram rejected the bot token: ${description}`,
      "Check TELEGRAM_BOT_TOKEN (BotFather's /token shows it) and TELEGRAM_API_ROOT if you use a self-hosted Bot API server.",
      { cause: error },
    );
  }
  if (code === 400 && readFailedMethod(error) === "setWebhook") {
    return new TelegramAdapterError(
      "TELEGRAM_WEBHOOK_REFUSED",
      `Telegram refused the webhook: ${description}`,
      "Check TELEGRAM_WEBHOOK_URL: Telegram needs a public https URL on port 443, 80, 88 or 8443 that reaches this server's route.",
      { cause: error },
    );
  }
  return new TelegramAdapterError(
    "TELEGRAM_UNREACHABLE",
    `Telegram request failed: ${description}`,
    "Check network access to api.telegram.org (or TELEGRAM_API_ROOT); the bot keeps serving other channels meanwhile.",
    { cause: error },
  );
}

/** The Bot API method a telegraf error came from (`TelegramError.on.method`), without its payload. */
export function readFailedMethod(error: unknown): string {
  const method = (error as { on?: { method?: unknown } } | null)?.on?.method;
  return typeof method === "string" ? method : "unknown";
}

/**
 * True when a send never got a Bot API answer (the network, a timeout) or got a server error: the
 * message may go through on a later try. A refusal (4xx) would be refused again.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof KnowledgeBotError) return false;
  const { code } = readError(error);
  return code === undefined || code >= 500;
}
