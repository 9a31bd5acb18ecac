/**
 * Turns Bot API failures into log fields that say what happened and what to do about it.
 */

export interface DescribedTelegramError {
  /** Machine-readable code for log searches. */
  code: string;
  message: string;
  hint: string;
}

function readError(error: unknown): { code?: number; description: string } {
  const candidate = error as { code?: unknown; response?: { error_code?: unknown; description?: unknown }; message?: unknown };
  const code =
    typeof candidate?.code === "number" ? candidate.code : typeof candidate?.response?.error_code === "number" ? candidate.response.error_code : undefined;
  const description = typeof candidate?.response?.description === "string" ? candidate.response.description : String(candidate?.message ?? error);
  return { code, description };
}

/** Explains a failure of getMe, getUpdates or setWebhook, the calls that keep the bot reachable. */
export function describeConnectionError(error: unknown): DescribedTelegramError {
  const { code, description } = readError(error);
  if (code === 409 && /webhook/i.test(description)) {
    return {
      code: "TELEGRAM_WEBHOOK_ACTIVE",
      message: `Telegram refused long polling: ${description}`,
      hint: "A webhook is set for this token. Set TELEGRAM_WEBHOOK_URL to run in webhook mode, or stop the instance that set the webhook and restart this one (start-up deletes the webhook).",
    };
  }
  if (code === 409) {
    return {
      code: "TELEGRAM_POLLING_CONFLICT",
      message: `Telegram refused long polling: ${description}`,
      hint: "Another process is polling with the same TELEGRAM_BOT_TOKEN. Stop the other instance (or revoke the token with BotFather's /revoke if you do not know where it runs); only one poller per token is allowed.",
    };
  }
  if (code === 401 || code === 404) {
    return {
      code: "TELEGRAM_TOKEN_REJECTED",
      message: `Telegram rejected the bot token: ${description}`,
      hint: "Check TELEGRAM_BOT_TOKEN (BotFather's /token shows it) and TELEGRAM_API_ROOT if you use a self-hosted Bot API server.",
    };
  }
  return {
    code: "TELEGRAM_UNREACHABLE",
    message: `Telegram request failed: ${description}`,
    hint: "Check network access to api.telegram.org (or TELEGRAM_API_ROOT); the bot keeps serving other channels meanwhile.",
  };
}

/** The Bot API method a telegraf error came from (`TelegramError.on.method`), without its payload. */
export function readFailedMethod(error: unknown): string {
  const method = (error as { on?: { method?: unknown } } | null)?.on?.method;
  return typeof method === "string" ? method : "unknown";
}
