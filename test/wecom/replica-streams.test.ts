/**
 * Two replicas of the AI-bot callback — two WeCom adapters on two servers — behind one load
 * balancer share one SQLite state store. Whichever replica each callback reaches, a message gets
 * one stream and one answer, a refresh shows the answer wherever it was computed, and a late
 * answer goes to response_url once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STREAM_LATE_NOTE, STREAM_PLACEHOLDER, STREAM_SENT_SEPARATELY_NOTE } from "../../adapters/wecom/answer-streams.js";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { aiBotRefreshMessage, aiBotTextMessage } from "../../adapters/wecom/testing/signed-callbacks.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { cannedAnswer, createScriptedKnowledgeBot } from "../support/scripted-knowledge-bot.js";
import { callStream, type StreamReply } from "./support/ai-bot-calls.js";
import { createAnsweringBot, DISCLAIMER_QUESTION, type AnsweringBot } from "./support/answering-bot.js";
import { APP_KEYS, startWecomTestServer, WEBHOOK_KEY, type WecomTestServer } from "./support/wecom-test-server.js";

let fakeApi: FakeWecomApi;
let answering: AnsweringBot;
let store: SqliteStateStore;
let replicaA: WecomTestServer;
let replicaB: WecomTestServer;
let counter = 0;

function nextMsgId(): string {
  counter += 1;
  return `replica-msg-${Date.now()}-${counter}`;
}

/** Refreshes on `replica` until the stream finishes; every unfinished refresh shows the placeholder. */
async function refreshUntilFinished(replica: WecomTestServer, msgid: string, userId: string, streamId: string): Promise<StreamReply> {
  for (let attempt = 0; attempt < 250; attempt += 1) {
    const refreshed = await callStream(replica.baseUrl, aiBotRefreshMessage({ msgid, userId, streamId }));
    expect(refreshed.id).toBe(streamId);
    if (refreshed.finish) return refreshed;
    expect(refreshed.content).toBe(STREAM_PLACEHOLDER);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("stream never finished");
}

beforeAll(async () => {
  answering = await createAnsweringBot();
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  store = openSqliteStateStore({ dataDir: ":memory:" });
  replicaA = await startWecomTestServer({ bot: answering.bot, apiBase: fakeApi.baseUrl, store });
  replicaB = await startWecomTestServer({ bot: answering.bot, apiBase: fakeApi.baseUrl, store });
});

afterAll(async () => {
  await replicaA?.close();
  await replicaB?.close();
  await store?.close();
  await fakeApi?.close();
  await answering?.cleanup();
});

describe("AI-bot streams across two replicas on one store", () => {
  it("a stream opened on A and refreshed only on B ends with the full answer on B", async () => {
    const msgid = nextMsgId();
    const before = answering.questionsAbout(DISCLAIMER_QUESTION);
    const opened = await callStream(replicaA.baseUrl, aiBotTextMessage({ msgid, userId: "replica-user-1", content: `@知识助手 ${DISCLAIMER_QUESTION}` }));
    expect(opened).toMatchObject({ finish: false, content: STREAM_PLACEHOLDER });

    const finished = await refreshUntilFinished(replicaB, msgid, "replica-user-1", opened.id);
    expect(finished.content).toContain("**来源**");
    expect(finished.content).toMatch(/\[\[1\]\]\(http[^)]+\)/);
    expect(finished.content.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
    // A refresh retried on A shows the same final reply.
    expect(await callStream(replicaA.baseUrl, aiBotRefreshMessage({ msgid, userId: "replica-user-1", streamId: opened.id }))).toMatchObject({
      finish: true,
      content: finished.content,
    });
    expect(answering.questionsAbout(DISCLAIMER_QUESTION) - before).toBe(1);
  });

  it("one msgid delivered to A, B, A is one stream and one answer", async () => {
    const msgid = nextMsgId();
    const question = "五指山在哪个省";
    const before = answering.questionsAbout(question);
    const message = aiBotTextMessage({ msgid, userId: "replica-user-2", content: question });
    const replies = [await callStream(replicaA.baseUrl, message), await callStream(replicaB.baseUrl, message), await callStream(replicaA.baseUrl, message)];
    expect(new Set(replies.map((reply) => reply.id)).size).toBe(1);
    const finished = await refreshUntilFinished(replicaB, msgid, "replica-user-2", replies[0]!.id);
    expect(finished.content).toContain("海南");
    // A delivery after the answer carries it too, on either replica.
    expect((await callStream(replicaB.baseUrl, message)).content).toBe(finished.content);
    expect(answering.questionsAbout(question) - before).toBe(1);
  });

  it("a late answer computed on A reaches response_url once, while B closed the stream and tells so", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowBot = createScriptedKnowledgeBot(async () => {
      await gate;
      return cannedAnswer("“慢而可靠的段落。”[1]");
    });
    const slowStore = openSqliteStateStore({ dataDir: ":memory:" });
    const options = { bot: slowBot, apiBase: fakeApi.baseUrl, store: slowStore, adapterOptions: { streamWindowMs: 200 } };
    const slowA = await startWecomTestServer(options);
    const slowB = await startWecomTestServer(options);
    try {
      const msgid = nextMsgId();
      const responseCode = `replica-late-${counter}`;
      const opened = await callStream(
        slowA.baseUrl,
        aiBotTextMessage({ msgid, userId: "replica-user-3", content: "慢问题", responseUrl: fakeApi.responseUrl(responseCode) }),
      );
      expect(opened.finish).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // A's window timer and B's refresh both try to close it; it closes once, as late.
      expect(await callStream(slowB.baseUrl, aiBotRefreshMessage({ msgid, userId: "replica-user-3", streamId: opened.id }))).toMatchObject({
        finish: true,
        content: STREAM_LATE_NOTE,
      });

      release();
      const postsTo = () => fakeApi.responseUrlPosts.filter((call) => call.query.response_code === responseCode);
      await fakeApi.waitFor(() => postsTo().length === 1);
      expect((postsTo()[0]!.body.markdown as { content: string }).content).toContain("慢而可靠的段落");
      for (const replica of [slowB, slowA]) {
        expect(await callStream(replica.baseUrl, aiBotRefreshMessage({ msgid, userId: "replica-user-3", streamId: opened.id }))).toMatchObject({
          finish: true,
          content: STREAM_SENT_SEPARATELY_NOTE,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(postsTo()).toHaveLength(1);
      expect(slowBot.queries).toHaveLength(1);
    } finally {
      release();
      await slowA.close();
      await slowB.close();
      await slowStore.close();
    }
  });
});
