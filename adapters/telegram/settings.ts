/**
 * The Telegram adapter's settings: the TELEGRAM_* variables and their rules, composed into the
 * one configuration by src/config.ts (as `config.telegram`, set only when TELEGRAM_BOT_TOKEN is).
 */
import { z } from "zod";
import { idList, optionalAnswerMaxChars, optionalText, optionalUrl, settingsSlice } from "../../src/core/settings-slice.js";

export interface TelegramConfig {
  botToken: string;
  adminIds: string[];
  webhookUrl?: string;
  webhookSecret?: string;
  apiRoot?: string;
  /** A `retry_after` longer than this drops the message with a warning instead of holding the chat. */
  maxRetryAfterSeconds: number;
  /** Longest answer body in Telegram (TELEGRAM_ANSWER_MAX_CHARS); unset uses ANSWER_MAX_CHARS. */
  answerMaxChars?: number;
  /** Long polling runs on one replica at a time; the others try for its lock this often, in ms. */
  pollingRetryMs: number;
}

export const telegramSettings = settingsSlice({
  variables: {
    TELEGRAM_BOT_TOKEN: optionalText,
    TELEGRAM_ADMIN_IDS: idList,
    TELEGRAM_WEBHOOK_URL: optionalUrl,
    TELEGRAM_WEBHOOK_SECRET: optionalText.refine((value) => value === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(value), {
      message: "must be 1-256 characters of A-Z a-z 0-9 _ -",
    }),
    TELEGRAM_API_ROOT: optionalUrl,
    TELEGRAM_MAX_RETRY_AFTER_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    TELEGRAM_ANSWER_MAX_CHARS: optionalAnswerMaxChars,
    TELEGRAM_POLLING_RETRY_SECONDS: z.coerce.number().min(0.05).max(3600).default(5),
  },
  settings(values, problems): TelegramConfig | undefined {
    if (!values.TELEGRAM_BOT_TOKEN) {
      for (const name of ["TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_ROOT"] as const) {
        if (values[name]) problems.push(`TELEGRAM_BOT_TOKEN: required because ${name} is set`);
      }
      return undefined;
    }
    return {
      botToken: values.TELEGRAM_BOT_TOKEN,
      adminIds: values.TELEGRAM_ADMIN_IDS,
      webhookUrl: values.TELEGRAM_WEBHOOK_URL,
      webhookSecret: values.TELEGRAM_WEBHOOK_SECRET,
      apiRoot: values.TELEGRAM_API_ROOT,
      maxRetryAfterSeconds: values.TELEGRAM_MAX_RETRY_AFTER_SECONDS,
      answerMaxChars: values.TELEGRAM_ANSWER_MAX_CHARS,
      pollingRetryMs: Math.round(values.TELEGRAM_POLLING_RETRY_SECONDS * 1000),
    };
  },
});
