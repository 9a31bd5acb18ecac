/**
 * Webhook mode: the adapter's route is mounted on a Hono app served by @hono/node-server, start()
 * registers the webhook with its secret, and the emulator front delivers updates with the header.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapterHarness, type AdapterHarness } from "./support/adapter-harness.js";
import { createRealKnowledgeBot } from "./support/real-knowledge-bot.js";
import { startEmulator, type Emulator } from "./support/telegram-emulator.js";
import { parseTelegramHtml } from "./support/telegram-html.js";

const SECRET = "s3cret_token-for-tests";
const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";

let emulator: Emulator;
let harness: AdapterHarness;
let knowledge: Awaited<ReturnType<typeof createRealKnowledgeBot>>;
let httpServer: Server;
let webhookUrl: string;

beforeAll(async () => {
  emulator = await startEmulator();
  knowledge = await createRealKnowledgeBot();
  const app = new Hono();
  httpServer = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/telegram/webhook`;
  harness = createAdapterHarness({
    bot: knowledge.bot,
    apiRoot: emulator.apiRoot,
    token: emulator.token,
    environment: { TELEGRAM_WEBHOOK_URL: webhookUrl, TELEGRAM_WEBHOOK_SECRET: SECRET },
  });
  harness.adapter.mount?.(app);
  await harness.adapter.start();
});

afterAll(async () => {
  await harness?.adapter.stop();
  httpServer?.closeAllConnections();
  await new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve()));
  await emulator?.stop();
  await knowledge?.cleanup();
});

function postUpdate(headers: Record<string, string>, body: string): Promise<Response> {
  return fetch(webhookUrl, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
}

function privateUpdate(chatId: number, text: string) {
  return JSON.stringify({
    update_id: 900_000 + chatId,
    message: {
      message_id: 5,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private" },
      from: { id: chatId, is_bot: false, first_name: "Wang" },
      text,
    },
  });
}

describe("webhook mode", () => {
  it("registers the webhook URL with its secret token on start", () => {
    expect(harness.adapter.mount).toBeTypeOf("function");
    expect(emulator.webhook()).toEqual({ url: webhookUrl, secret: SECRET });
  });

  it("answers updates delivered with the right secret", async () => {
    const client = emulator.client({ chatId: 301, userId: 301, type: "private" });
    await client.sendMessage(client.makeMessage(SEED_QUESTION));
    const [update] = await emulator.takeBotMessages(301);
    const parsed = parseTelegramHtml(update.message.text);
    expect(parsed.ok && parsed.visibleText).toContain("[1]");
    expect(emulator.webhookDeliveries).toContainEqual(expect.objectContaining({ status: 200 }));
  });

  it("refuses deliveries with a wrong or missing secret and does not act on them", async () => {
    expect((await postUpdate({ "X-Telegram-Bot-Api-Secret-Token": "wrong" }, privateUpdate(302, SEED_QUESTION))).status).toBe(403);
    expect((await postUpdate({}, privateUpdate(303, SEED_QUESTION))).status).toBe(403);
    expect((await postUpdate({ "X-Telegram-Bot-Api-Secret-Token": `${SECRET}x` }, privateUpdate(304, SEED_QUESTION))).status).toBe(403);
    expect(await emulator.botMessagesAfter(302, 400)).toEqual([]);
    expect(await emulator.botMessagesAfter(303, 0)).toEqual([]);
    expect(harness.logs.some((log) => log.level === "warn" && /secret token/.test(log.msg))).toBe(true);
  });

  it("accepts a direct delivery with the right secret and rejects a body that is not an update", async () => {
    expect((await postUpdate({ "X-Telegram-Bot-Api-Secret-Token": SECRET }, privateUpdate(305, SEED_QUESTION))).status).toBe(200);
    expect((await emulator.takeBotMessages(305))[0].message.text).toContain("[1]");
    expect((await postUpdate({ "X-Telegram-Bot-Api-Secret-Token": SECRET }, "not json")).status).toBe(400);
    expect((await postUpdate({ "X-Telegram-Bot-Api-Secret-Token": SECRET }, JSON.stringify({ hello: 1 }))).status).toBe(400);
    expect((await postUpdate({ "X-Telegram-Bot-Api-Secret-Token": SECRET }, `"${"x".repeat(2 * 1024 * 1024)}"`)).status).toBe(413);
  });
});
