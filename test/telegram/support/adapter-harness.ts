/**
 * Starts the real Telegram adapter against a Bot API endpoint (the emulator or the fake) with a
 * configuration built by the project's own loadConfig, and records its log lines.
 */
import type { Writable } from "node:stream";
import { createTelegramAdapter, type TelegramAdapterOptions } from "../../../adapters/telegram/index.js";
import { loadConfig } from "../../../src/config.js";
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import { createLogger } from "../../../src/core/logger.js";
import type { ChatAdapter } from "../../../src/core/chat-adapter.js";
import type { StateStore } from "../../../src/state/state-store.js";

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface AdapterHarness {
  adapter: ChatAdapter;
  logs: LogLine[];
}

export function createAdapterHarness(input: {
  bot: KnowledgeBot;
  apiRoot: string;
  token: string;
  environment?: Record<string, string>;
  options?: TelegramAdapterOptions;
  /** A state store: feedback buttons and update dedupe that survive a restart. */
  store?: StateStore;
}): AdapterHarness {
  const logs: LogLine[] = [];
  const destination = { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } as unknown as Writable;
  const config = loadConfig({
    TELEGRAM_BOT_TOKEN: input.token,
    TELEGRAM_API_ROOT: input.apiRoot,
    ...input.environment,
  });
  const adapter = createTelegramAdapter(
    { bot: input.bot, config, logger: createLogger("debug", destination), store: input.store },
    // Tests keep the per-chat gap short; the pacing itself is covered by send-queue.test.ts.
    { sendQueue: { perChatIntervalMs: 50 }, ...input.options },
  );
  return { adapter, logs };
}
