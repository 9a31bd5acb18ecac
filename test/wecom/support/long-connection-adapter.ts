/**
 * The real WeCom adapter on the long connection only, configured through the real config loader
 * and dialling a fake long-connection server; its log lines kept for assertions.
 */
import { createWecomAdapter, type WecomAdapterOptions } from "../../../adapters/wecom/index.js";
import { loadConfig } from "../../../src/config.js";
import type { ChatAdapter } from "../../../src/core/chat-adapter.js";
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import type { StateStore } from "../../../src/state/state-store.js";
import { LONG_CONNECTION_KEYS, recordingLogger, type LogLine } from "./long-connection-harness.js";

export interface LongConnectionAdapter {
  adapter: ChatAdapter;
  lines: LogLine[];
  /** The long connection's state as /healthz shows it. */
  state(): string | undefined;
}

/** The adapter, not started yet (a server under test starts its adapters itself). */
export function createLongConnectionAdapter(options: {
  bot: KnowledgeBot;
  url: string;
  store?: StateStore;
  adapterOptions?: WecomAdapterOptions;
}): LongConnectionAdapter {
  const config = loadConfig({ WECOM_BOT_ID: LONG_CONNECTION_KEYS.botId, WECOM_BOT_SECRET: LONG_CONNECTION_KEYS.secret, WECOM_BOT_WS_URL: options.url });
  const { logger, lines } = recordingLogger();
  const adapter = createWecomAdapter({ bot: options.bot, config, logger, store: options.store }, options.adapterOptions);
  return { adapter, lines, state: () => adapter.connections?.()["wecom-long-connection"]?.state };
}

export async function startLongConnectionAdapter(options: Parameters<typeof createLongConnectionAdapter>[0]): Promise<LongConnectionAdapter> {
  const created = createLongConnectionAdapter(options);
  await created.adapter.start();
  return created;
}
