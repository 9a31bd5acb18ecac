/**
 * Serves the WeCom adapter over real HTTP on 127.0.0.1, configured through the real config
 * loader and pointed at a fake WeCom API.
 */
import pino from "pino";
import { loadConfig } from "../../../src/config.js";
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import type { ChatAdapter } from "../../../src/core/chat-adapter.js";
import type { StateStore } from "../../../src/state/state-store.js";
import { createWecomAdapter, type WecomAdapterOptions } from "../../../adapters/wecom/index.js";
import { serveAdapterOnLoopback } from "../../../adapters/wecom/testing/serve-adapter.js";
import { appCallbackBody, appTextMessageXml, sealCallback } from "../../../adapters/wecom/testing/signed-callbacks.js";
import { post } from "./http.js";

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

/**
 * Posts one text message to a server's self-built app callback, sealed with the test keys as WeCom
 * sends it (each call seals afresh, as each WeCom retry is sealed with a new nonce).
 */
export function postAppText(baseUrl: string, message: { userId: string; content: string; msgId: string }): Promise<{ status: number; text: string }> {
  const keys = { token: APP_KEYS.token, encodingAesKey: APP_KEYS.encodingAesKey, receiveId: APP_KEYS.corpId };
  const sealed = sealCallback(keys, appTextMessageXml({ corpId: APP_KEYS.corpId, agentId: APP_KEYS.agentId, ...message }));
  return post(`${baseUrl}/wecom/app?${sealed.query}`, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, sealed.encrypt), "text/xml");
}

/** The WECOM_* settings of both WeCom apps with the test keys, pointed at a fake WeCom API. */
export function wecomEnvironment(apiBase: string): Record<string, string> {
  return {
    WECOM_CORP_ID: APP_KEYS.corpId,
    WECOM_AGENT_ID: APP_KEYS.agentId,
    WECOM_SECRET: APP_KEYS.secret,
    WECOM_TOKEN: APP_KEYS.token,
    WECOM_ENCODING_AES_KEY: APP_KEYS.encodingAesKey,
    WECOM_BOT_TOKEN: BOT_KEYS.token,
    WECOM_BOT_ENCODING_AES_KEY: BOT_KEYS.encodingAesKey,
    WECOM_WEBHOOK_KEY: WEBHOOK_KEY,
    WECOM_API_BASE: apiBase,
  };
}

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
  /** A state store: delivery dedupe across restarts, the question log and 有用/没用 feedback. */
  store?: StateStore;
}): Promise<WecomTestServer> {
  const config = loadConfig({
    ...wecomEnvironment(options.apiBase),
    WECOM_ADMIN_USERIDS: ADMIN_USER_ID,
    MAX_BODY_BYTES: "16384",
    ...options.environment,
  });
  const adapter = createWecomAdapter({ bot: options.bot, config, logger: pino({ level: "silent" }), store: options.store }, options.adapterOptions);
  return { ...(await serveAdapterOnLoopback(adapter)), adapter };
}
