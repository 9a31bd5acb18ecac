/**
 * WeCom retries a callback it thinks went unanswered. With the state store, a retry that reaches a
 * restarted server (same DATA_DIR) is not answered a second time, on the self-built app and on the
 * AI bot (whose retry gets the stream the first run opened, from the store); and a "有用" / "没用" reply is recorded as the user's vote on the answer before it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { aiBotRefreshMessage, aiBotTextMessage, openPassiveReply, sealCallback } from "../../adapters/wecom/testing/signed-callbacks.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { createAnsweringBot, DISCLAIMER_QUESTION, type AnsweringBot } from "./support/answering-bot.js";
import { post } from "./support/http.js";
import { APP_KEYS, BOT_KEYS, postAppText, startWecomTestServer, WEBHOOK_KEY, type WecomTestServer } from "./support/wecom-test-server.js";

const botKeys = { token: BOT_KEYS.token, encodingAesKey: BOT_KEYS.encodingAesKey, receiveId: "" };

let fakeApi: FakeWecomApi;
let answering: AnsweringBot;
let dataDir: string;
let store: SqliteStateStore;
let server: WecomTestServer;

async function startServer(): Promise<void> {
  store = openSqliteStateStore({ dataDir });
  server = await startWecomTestServer({ bot: answering.bot, apiBase: fakeApi.baseUrl, store });
}

async function restart(): Promise<void> {
  await server.close();
  await store.close();
  await startServer();
}

function sendAppText(content: string, userId: string, msgId: string) {
  return postAppText(server.baseUrl, { userId, content, msgId });
}

async function waitForMessages(userId: string, count: number): Promise<string[]> {
  for (let attempt = 0; attempt < 250; attempt += 1) {
    const sent = fakeApi.sentMessages.filter((call) => call.body.touser === userId);
    if (sent.length >= count) return sent.map((call) => (call.body.markdown as { content: string }).content);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} messages to ${userId}`);
}

async function callBot(plaintext: string) {
  const sealed = sealCallback(botKeys, plaintext);
  return post(`${server.baseUrl}/wecom/bot?${sealed.query}`, JSON.stringify({ encrypt: sealed.encrypt }), "application/json");
}

interface Stream {
  id: string;
  finish: boolean;
  content: string;
  feedback?: { id: string };
}

function streamOf(text: string): Stream {
  const reply = JSON.parse(text) as { encrypt: string; msgsignature: string; timestamp: number; nonce: string };
  return (openPassiveReply(botKeys, reply).json as { stream: Stream }).stream;
}

beforeAll(async () => {
  answering = await createAnsweringBot();
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-wecom-restart-"));
  await startServer();
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  await fakeApi?.close();
  await answering?.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

describe("WeCom deliveries across a restart", () => {
  it("the app answers a MsgId once even when its retry reaches the restarted server", async () => {
    const msgId = "9007199254740993001";
    expect((await sendAppText(DISCLAIMER_QUESTION, "lisi", msgId)).status).toBe(200);
    await waitForMessages("lisi", 1);
    await restart();
    expect((await sendAppText(DISCLAIMER_QUESTION, "lisi", msgId)).status).toBe(200);
    // A new message from the same user is queued behind anything the retry would have started.
    expect((await sendAppText("五指山在哪个省", "lisi", "9007199254740993002")).status).toBe(200);
    const messages = await waitForMessages("lisi", 2);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toContain("海南");
    expect(answering.questionsAbout(DISCLAIMER_QUESTION)).toBe(1);
  });

  it("the AI bot answers a msgid an earlier run took with that run's stream, instead of asking again", async () => {
    const msgid = "bot-restart-msg-1";
    const first = streamOf((await callBot(aiBotTextMessage({ msgid, userId: "wangwu", content: "医保卡丢了怎么办" }))).text);
    let answered = first;
    for (let attempt = 0; attempt < 200 && !answered.finish; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answered = streamOf((await callBot(aiBotRefreshMessage({ msgid, userId: "wangwu", streamId: first.id }))).text);
    }
    expect(answered.finish).toBe(true);
    expect(answering.questionsAbout("医保卡丢了怎么办")).toBe(1);
    await restart();
    // The stream lives in the store: the retry gets the same stream, already carrying the answer.
    const retry = streamOf((await callBot(aiBotTextMessage({ msgid, userId: "wangwu", content: "医保卡丢了怎么办" }))).text);
    expect(retry).toEqual({ ...answered, feedback: { id: first.id } });
    // A fresh message is answered as usual, and the retried one was never asked again.
    const fresh = streamOf((await callBot(aiBotTextMessage({ msgid: "bot-restart-msg-2", userId: "wangwu", content: "五指山在哪个省" }))).text);
    expect(fresh.id).not.toBe(first.id);
    expect(answering.questionsAbout("医保卡丢了怎么办")).toBe(1);
  });

  it("'有用' after an answer is the user's vote on it, and '没用' changes it", async () => {
    await sendAppText(DISCLAIMER_QUESTION, "zhaoliu", "9007199254740994001");
    await waitForMessages("zhaoliu", 1);
    await sendAppText("有用", "zhaoliu", "9007199254740994002");
    expect((await waitForMessages("zhaoliu", 2))[1]).toContain(REPLY_TEXTS.feedbackThanks);
    let [group] = await store.listQuestions({ filter: "all", days: 1 });
    expect(group).toMatchObject({ upvotes: 1, downvotes: 0 });
    await sendAppText("没用", "zhaoliu", "9007199254740994003");
    await waitForMessages("zhaoliu", 3);
    [group] = await store.listQuestions({ filter: "downvoted", days: 1 });
    expect(group).toMatchObject({ upvotes: 0, downvotes: 1 });
  });
});
