/**
 * PENDING_DELIVERIES_MAX bounds what waits for an answer. Past it a Telegram webhook call gets 503
 * (with Retry-After), so Telegram delivers the update again later instead of the bot acknowledging
 * what it cannot keep; once answers went out, the re-delivery is taken and answered. The WeCom app
 * answers a message past the bound at once with the "busy" notice instead of promising an answer.
 * Real adapters on a real SQLite store, against the telegram-test-api emulator and a local WeCom API.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startFakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { decrypt } from "@wecom/crypto";
import { parseXmlFields } from "../../adapters/wecom/app-xml.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { createAdapterHarness } from "../telegram/support/adapter-harness.js";
import { createRealKnowledgeBot } from "../telegram/support/real-knowledge-bot.js";
import { recordQueries } from "../telegram/support/recording-knowledge-bot.js";
import { startEmulator } from "../telegram/support/telegram-emulator.js";
import { waitFor } from "../telegram/support/wait-for.js";
import { answersPerUpdate, deliverUpdate, type BurstUpdate } from "../telegram/support/webhook-burst.js";
import { APP_KEYS, postAppText, startWecomTestServer, WEBHOOK_KEY } from "../wecom/support/wecom-test-server.js";

const HELD_QUESTION = "五指山在哪个省";
const SECRET = "bound-test-secret";

let knowledge: Awaited<ReturnType<typeof createRealKnowledgeBot>>;
let root: string;

beforeAll(async () => {
  knowledge = await createRealKnowledgeBot();
  root = await mkdtemp(path.join(os.tmpdir(), "kb-pending-bound-"));
});

afterAll(async () => {
  await knowledge?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

it("Telegram: past the bound a webhook call gets 503, and the update delivered again later is answered once", async () => {
  const emulator = await startEmulator();
  const store = openSqliteStateStore({ dataDir: path.join(root, "telegram") });
  const bot = recordQueries(knowledge.bot);
  const release = bot.holdAnswersTo(HELD_QUESTION);
  const app = new Hono();
  const httpServer = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const harness = createAdapterHarness({
    bot,
    apiRoot: emulator.apiRoot,
    token: emulator.token,
    store,
    environment: { TELEGRAM_WEBHOOK_URL: `${url}/telegram/webhook`, TELEGRAM_WEBHOOK_SECRET: SECRET, PENDING_DELIVERIES_MAX: "3" },
  });
  harness.adapter.mount?.(app);
  try {
    await harness.adapter.start();
    const update = (index: number): BurstUpdate => ({ updateId: 6_100_000 + index, chatId: 6100 + index, messageId: 10, text: HELD_QUESTION });
    const held = [0, 1, 2].map(update);
    for (const each of held) expect(await deliverUpdate(url, SECRET, each)).toBe(200);
    // Three wait for their answers: the fourth cannot be kept, and says so.
    const refused = await fetch(`${url}/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET },
      body: JSON.stringify({ update_id: 6_100_003, message: { message_id: 10, date: 1, chat: { id: 6103, type: "private" }, text: HELD_QUESTION } }),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await deliverUpdate(url, SECRET, update(4))).toBe(503);
    // A repeat of one that waits is not new: acknowledged.
    expect(await deliverUpdate(url, SECRET, held[0]!)).toBe(200);
    expect(harness.logs.filter((line) => String(line.msg).includes("PENDING_DELIVERIES_MAX"))).toHaveLength(1);

    release();
    await waitFor(() => ([...answersPerUpdate(emulator, held).values()].every((count) => count === 1) ? true : undefined), 120_000);
    // Telegram's later delivery of the refused ones finds room.
    const later = [3, 4].map(update);
    for (const each of later) expect(await deliverUpdate(url, SECRET, each)).toBe(200);
    await harness.adapter.stop();
    const counts = answersPerUpdate(emulator, [...held, ...later]);
    expect([...counts.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(bot.queries.filter((query) => query.text === HELD_QUESTION)).toHaveLength(5);
  } finally {
    release();
    await harness.adapter.stop();
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await store.close();
    await emulator.stop();
  }
}, 180_000);

it("WeCom app: past the bound a message is answered at once with the busy notice, not acknowledged for later", async () => {
  const fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  const store = openSqliteStateStore({ dataDir: path.join(root, "wecom") });
  const heldBot = recordQueries(knowledge.bot);
  const release = heldBot.holdAnswersTo(HELD_QUESTION);
  const server = await startWecomTestServer({ bot: heldBot, apiBase: fakeApi.baseUrl, store, environment: { PENDING_DELIVERIES_MAX: "2" } });
  try {
    const base = Date.now() * 100;
    for (const index of [0, 1]) {
      const accepted = await postAppText(server.baseUrl, { userId: `bound-user-${index}`, content: HELD_QUESTION, msgId: String(base + index) });
      expect(accepted).toEqual({ status: 200, text: "" });
    }
    const busy = await postAppText(server.baseUrl, { userId: "bound-user-2", content: HELD_QUESTION, msgId: String(base + 2) });
    expect(busy.status).toBe(200);
    const envelope = parseXmlFields(busy.text, "reply");
    expect(parseXmlFields(decrypt(APP_KEYS.encodingAesKey, envelope.Encrypt!).message, "plain")).toMatchObject({
      MsgType: "text",
      Content: REPLY_TEXTS.queueFull,
    });

    release();
    await fakeApi.waitFor(() => fakeApi.sentMessages.length >= 2, 120_000);
    await server.close();
    expect(fakeApi.sentMessages.map((call) => call.body.touser).sort()).toEqual(["bound-user-0", "bound-user-1"]);
  } finally {
    release();
    await server.close();
    await store.close();
    await fakeApi.close();
  }
}, 180_000);
