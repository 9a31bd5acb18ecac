/**
 * Serves the WeCom adapter over real HTTP on 127.0.0.1, configured through the real config
 * loader and pointed at a fake WeCom API.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { loadConfig } from "../../../src/config.js";
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import type { ChatAdapter } from "../../../src/server/chat-adapter.js";
import { createWecomAdapter, type WecomAdapterOptions } from "../../../adapters/wecom/index.js";

export const APP_KEYS = {
  corpId: "ww0123456789abcdef",
  agentId: "1000002",
  secret: "app-secret-for-tests",
  token: "AppTokenForTests",
  encodingAesKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
};

export const BOT_KEYS = {
  token: "BotTokenForTests",
  encodingAesKey: "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
};

export const WEBHOOK_KEY = "webhook-key-for-tests";
export const ADMIN_USER_ID = "admin-user";

export interface WecomTestServer {
  baseUrl: string;
  adapter: ChatAdapter;
  close(): Promise<void>;
}

export async function startWecomTestServer(options: {
  bot: KnowledgeBot;
  apiBase: string;
  environment?: Record<string, string>;
  adapterOptions?: WecomAdapterOptions;
}): Promise<WecomTestServer> {
  const config = loadConfig({
    WECOM_CORP_ID: APP_KEYS.corpId,
    WECOM_AGENT_ID: APP_KEYS.agentId,
    WECOM_SECRET: APP_KEYS.secret,
    WECOM_TOKEN: APP_KEYS.token,
    WECOM_ENCODING_AES_KEY: APP_KEYS.encodingAesKey,
    WECOM_BOT_TOKEN: BOT_KEYS.token,
    WECOM_BOT_ENCODING_AES_KEY: BOT_KEYS.encodingAesKey,
    WECOM_WEBHOOK_KEY: WEBHOOK_KEY,
    WECOM_ADMIN_USERIDS: ADMIN_USER_ID,
    WECOM_API_BASE: options.apiBase,
    MAX_BODY_BYTES: "16384",
    ...options.environment,
  });
  const adapter = createWecomAdapter({ bot: options.bot, config, logger: pino({ level: "silent" }) }, options.adapterOptions);
  const app = new Hono();
  adapter.mount?.(app);
  await adapter.start();
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    adapter,
    async close() {
      await adapter.stop();
      // fetch keeps connections alive; close them so close() does not wait for their idle timeout.
      (server as Server).closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
