/**
 * Telegram delivers an update again when a webhook call was slow or failed, and a poller receives
 * it again when its offset was not confirmed. The same update_id must be answered once, in long
 * polling (the telegram-test-api emulator hands the stored update out a second time), in webhook
 * mode (the same update posted twice to the adapter's route), and after a restart: the update_id is
 * claimed in the state store (a real SQLite store on disk), so a new adapter that knows nothing in
 * memory still drops it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { createAdapterHarness } from "../telegram/support/adapter-harness.js";
import { createRealKnowledgeBot } from "../telegram/support/real-knowledge-bot.js";
import { startEmulator, type Emulator } from "../telegram/support/telegram-emulator.js";
import { waitFor } from "../telegram/support/wait-for.js";

const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";
const FOLLOW_UP_QUESTION = "五指山在哪个省";

let knowledge: Awaited<ReturnType<typeof createRealKnowledgeBot>>;

beforeAll(async () => {
  knowledge = await createRealKnowledgeBot();
});

afterAll(async () => {
  await knowledge?.cleanup();
});

/** Every message the bot sent to `chatId`, read or not, with the id of the message it quotes. */
function repliesTo(emulator: Emulator, chatId: number): { quotes: number | undefined }[] {
  return emulator.server.storage.botMessages
    .filter((update) => String(update.message.chat_id) === String(chatId))
    .map((update) => ({ quotes: (update.message as { reply_parameters?: { message_id?: number } }).reply_parameters?.message_id }));
}

describe("a re-delivered update_id is answered once", () => {
  it("in long polling", async () => {
    const emulator = await startEmulator();
    const harness = createAdapterHarness({ bot: knowledge.bot, apiRoot: emulator.apiRoot, token: emulator.token });
    try {
      await harness.adapter.start();
      const chatId = 811;
      const client = emulator.client({ chatId, userId: chatId, type: "private" });
      await client.sendMessage(client.makeMessage(SEED_QUESTION));
      const first = emulator.server.storage.userMessages[emulator.server.storage.userMessages.length - 1];
      await emulator.takeBotMessages(chatId);

      // As if the offset confirming it never reached Telegram: the same update goes out again.
      first.isRead = false;
      await waitFor(() => (first.isRead ? true : undefined));
      // The poller fetches the next batch only after handling this one, so once the follow-up is
      // answered the re-delivered update has been through the adapter.
      await client.sendMessage(client.makeMessage(FOLLOW_UP_QUESTION));
      const followUpId = emulator.lastUserMessageId();
      await waitFor(() => (repliesTo(emulator, chatId).some((reply) => reply.quotes === followUpId) ? true : undefined), 10_000);
      await harness.adapter.stop(); // drains every queued answer and send

      expect(repliesTo(emulator, chatId)).toEqual([{ quotes: first.messageId }, { quotes: followUpId }]);
      expect(harness.logs).toContainEqual(expect.objectContaining({ level: "debug", updateId: first.updateId, chatId }));
    } finally {
      await harness.adapter.stop();
      await emulator.stop();
    }
  });

  it("in webhook mode, and the repeated delivery is still acknowledged with 200", async () => {
    const emulator = await startEmulator();
    const app = new Hono();
    const httpServer = createAdaptorServer({ fetch: app.fetch }) as Server;
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    const webhookUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/telegram/webhook`;
    const harness = createAdapterHarness({
      bot: knowledge.bot,
      apiRoot: emulator.apiRoot,
      token: emulator.token,
      environment: { TELEGRAM_WEBHOOK_URL: webhookUrl },
    });
    harness.adapter.mount?.(app);
    try {
      await harness.adapter.start();
      const chatId = 812;
      const deliver = (updateId: number, messageId: number, text: string) =>
        fetch(webhookUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            update_id: updateId,
            message: {
              message_id: messageId,
              date: Math.floor(Date.now() / 1000),
              chat: { id: chatId, type: "private" },
              from: { id: chatId, is_bot: false, first_name: "Li" },
              text,
            },
          }),
        });

      expect((await deliver(5_000_001, 31, SEED_QUESTION)).status).toBe(200);
      // Telegram retries when it thinks the first call failed; a 200 stops it retrying again.
      expect((await deliver(5_000_001, 31, SEED_QUESTION)).status).toBe(200);
      expect((await deliver(5_000_002, 32, FOLLOW_UP_QUESTION)).status).toBe(200);
      await harness.adapter.stop(); // drains every queued answer and send

      // The two answers are prepared side by side, so either may be sent first.
      const quoted = repliesTo(emulator, chatId).map((reply) => reply.quotes);
      expect(quoted.sort()).toEqual([31, 32]);
      expect(harness.logs).toContainEqual(expect.objectContaining({ level: "debug", updateId: 5_000_001, chatId }));
    } finally {
      await harness.adapter.stop();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await emulator.stop();
    }
  });

  it("after a restart, through the state store", async () => {
    const emulator = await startEmulator();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-telegram-restart-"));
    const chatId = 813;
    const client = emulator.client({ chatId, userId: chatId, type: "private" });
    let store = openSqliteStateStore({ dataDir });
    let harness = createAdapterHarness({ bot: knowledge.bot, apiRoot: emulator.apiRoot, token: emulator.token, store });
    try {
      await harness.adapter.start();
      await client.sendMessage(client.makeMessage(SEED_QUESTION));
      const first = emulator.server.storage.userMessages[emulator.server.storage.userMessages.length - 1];
      await emulator.takeBotMessages(chatId);

      // The process stops before Telegram learned the update was taken; a new one starts on the same DATA_DIR.
      await harness.adapter.stop();
      await store.close();
      first.isRead = false;
      store = openSqliteStateStore({ dataDir });
      harness = createAdapterHarness({ bot: knowledge.bot, apiRoot: emulator.apiRoot, token: emulator.token, store });
      await harness.adapter.start();
      await waitFor(() => (first.isRead ? true : undefined), 10_000);
      await client.sendMessage(client.makeMessage(FOLLOW_UP_QUESTION));
      const followUpId = emulator.lastUserMessageId();
      await waitFor(() => (repliesTo(emulator, chatId).some((reply) => reply.quotes === followUpId) ? true : undefined), 10_000);
      await harness.adapter.stop();

      expect(repliesTo(emulator, chatId)).toEqual([{ quotes: first.messageId }, { quotes: followUpId }]);
      expect(harness.logs).toContainEqual(expect.objectContaining({ level: "debug", updateId: first.updateId, chatId }));
    } finally {
      await harness.adapter.stop();
      await store.close();
      await emulator.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
