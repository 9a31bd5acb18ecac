/**
 * WeCom's native 👍 / 👎 on AI-bot answers, against the real server (WeCom adapter, question log
 * in a real SQLite store, admin API): the first stream reply carries `feedback.id`, a signed
 * `feedback_event` for it is the user's vote as the admin queue shows it, a second press changes
 * it, and presses that name nothing (or withdraw one) change nothing.
 */
import Database from "better-sqlite3";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWecomAdapter } from "../../adapters/wecom/index.js";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { aiBotRefreshMessage, aiBotTextMessage } from "../../adapters/wecom/testing/signed-callbacks.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/logger.js";
import { createServer, type BotServer } from "../../src/server/create-server.js";
import type { QuestionGroup } from "../../src/state/state-store.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { ADMIN_TEST_TOKEN, createAdminTestFolders, type AdminTestFolders } from "../support/admin-server.js";
import { createTestKnowledgeBot } from "../support/test-knowledge-bot.js";
import { aiBotFeedbackEvent, callBot, callStream, type StreamReply } from "./support/ai-bot-calls.js";
import { APP_KEYS, BOT_KEYS, startWecomTestServer, WEBHOOK_KEY } from "./support/wecom-test-server.js";

const QUESTION = "亲情账户和家庭共济账户有什么区别";

let folders: AdminTestFolders;
let fakeApi: FakeWecomApi;
let store: SqliteStateStore;
let server: BotServer;
let baseUrl: string;
let cleanupBot: () => Promise<void>;
let eventCounter = 0;

function nextEventId(): string {
  eventCounter += 1;
  return `feedback-event-${Date.now()}-${eventCounter}`;
}

async function questions(filter: "all" | "downvoted"): Promise<QuestionGroup[]> {
  const response = await fetch(`${baseUrl}/api/admin/questions?filter=${filter}&days=1`, { headers: { authorization: `Bearer ${ADMIN_TEST_TOKEN}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { questions: QuestionGroup[] }).questions;
}

async function votesOn(question: string): Promise<{ upvotes: number; downvotes: number }> {
  const group = (await questions("all")).find((entry) => entry.text === question);
  expect(group).toBeDefined();
  return { upvotes: group!.upvotes, downvotes: group!.downvotes };
}

/** Sends a press; WeCom expects an empty reply to the feedback event. */
async function press(feedbackId: string, type: number, userId: string, extra: { content?: string; reasons?: string[]; msgid?: string } = {}) {
  const response = await callBot(baseUrl, aiBotFeedbackEvent({ msgid: extra.msgid ?? nextEventId(), userId, feedbackId, type, ...extra }));
  expect(response.status).toBe(200);
  expect(response.text).toBe("");
}

async function askAndWait(msgid: string, userId: string, content: string): Promise<{ first: StreamReply; finished: StreamReply }> {
  const first = await callStream(baseUrl, aiBotTextMessage({ msgid, userId, content }));
  for (let attempt = 0; attempt < 250; attempt += 1) {
    const refreshed = await callStream(baseUrl, aiBotRefreshMessage({ msgid, userId, streamId: first.id }));
    // Only the first reply sets the feedback id.
    expect(refreshed.feedback).toBeUndefined();
    if (refreshed.finish) return { first, finished: refreshed };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("stream never finished");
}

beforeAll(async () => {
  folders = await createAdminTestFolders();
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  const knowledge = await createTestKnowledgeBot({ knowledgeDir: folders.knowledgeDir });
  cleanupBot = knowledge.cleanup;
  const config = loadConfig({
    KNOWLEDGE_DIR: folders.knowledgeDir,
    INDEX_DIR: knowledge.indexDir,
    DATA_DIR: folders.dataDir,
    ADMIN_TOKEN: ADMIN_TEST_TOKEN,
    LOG_LEVEL: "silent",
    RATE_LIMIT_PER_MINUTE: "0",
    WECOM_BOT_TOKEN: BOT_KEYS.token,
    WECOM_BOT_ENCODING_AES_KEY: BOT_KEYS.encodingAesKey,
    WECOM_API_BASE: fakeApi.baseUrl,
  });
  const logger = createLogger("silent");
  store = openSqliteStateStore({ dataDir: folders.dataDir });
  const adapter = createWecomAdapter({ bot: knowledge.bot, config, logger, store });
  server = createServer({ bot: knowledge.bot, config, logger, store, adapters: [adapter], indexPollMs: 0 });
  baseUrl = (await server.start({ host: "127.0.0.1", port: 0 })).url;
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  await fakeApi?.close();
  await cleanupBot?.();
  await folders?.remove();
});

describe("WeCom native feedback on AI-bot answers", () => {
  it("puts feedback.id on the first reply, and a press is the user's vote, changeable", async () => {
    const { first, finished } = await askAndWait(nextEventId(), "feedback-user-1", `@知识助手 ${QUESTION}`);
    expect(first.feedback).toEqual({ id: first.id });
    expect(finished.content).toContain("**来源**");
    expect(await votesOn(QUESTION)).toEqual({ upvotes: 0, downvotes: 0 });

    await press(first.id, 1, "feedback-user-1");
    expect(await votesOn(QUESTION)).toEqual({ upvotes: 1, downvotes: 0 });

    // The same person pressing 👎 replaces the vote; the downvoted queue lists the question.
    await press(first.id, 2, "feedback-user-1", { content: "少了材料清单", reasons: ["内容不完整"] });
    expect(await votesOn(QUESTION)).toEqual({ upvotes: 0, downvotes: 1 });
    expect((await questions("downvoted")).map((entry) => entry.text)).toContain(QUESTION);

    // Another member of the chat votes for themselves.
    await press(first.id, 1, "feedback-user-2");
    expect(await votesOn(QUESTION)).toEqual({ upvotes: 1, downvotes: 1 });
  });

  it("ignores, without an error, a press naming an unknown id, a withdrawn press and a re-delivered event", async () => {
    const question = "五指山在哪个省";
    const { first } = await askAndWait(nextEventId(), "feedback-user-3", question);
    const likeEvent = nextEventId();
    await press(first.id, 1, "feedback-user-3", { msgid: likeEvent });
    expect(await votesOn(question)).toEqual({ upvotes: 1, downvotes: 0 });

    await press("no-such-feedback-id", 2, "feedback-user-3");
    await press(first.id, 3, "feedback-user-3");
    expect(await votesOn(question)).toEqual({ upvotes: 1, downvotes: 0 });

    await press(first.id, 2, "feedback-user-3");
    // WeCom delivering the earlier 👍 event again must not undo the later 👎.
    await press(first.id, 1, "feedback-user-3", { msgid: likeEvent });
    expect(await votesOn(question)).toEqual({ upvotes: 0, downvotes: 1 });

    // The server keeps answering after all of them.
    const after = await callStream(baseUrl, aiBotTextMessage({ msgid: nextEventId(), userId: "feedback-user-3", content: QUESTION }));
    expect(after.feedback).toEqual({ id: after.id });
  });

  it("keeps a comment's personal data out of the store", async () => {
    const question = "医保卡丢了怎么办";
    const { first } = await askAndWait(nextEventId(), "feedback-user-4", question);
    await press(first.id, 2, "feedback-user-4", { content: "请打给我 13812345678 再说" });
    expect(await votesOn(question)).toEqual({ upvotes: 0, downvotes: 1 });
    const database = new Database(path.join(folders.dataDir, "state.sqlite"), { readonly: true });
    try {
      const comments = (database.prepare("SELECT comment FROM feedback WHERE comment IS NOT NULL").all() as { comment: string }[]).map((row) => row.comment);
      expect(comments.some((comment) => comment.includes("请打给我"))).toBe(true);
      expect(comments.some((comment) => comment.includes("13812345678"))).toBe(false);
      // The user id never reaches the store either: voters are hashes.
      const voters = (database.prepare("SELECT voter FROM feedback").all() as { voter: string }[]).map((row) => row.voter);
      expect(voters.every((voter) => /^wecom:[0-9a-f]{32}$/.test(voter))).toBe(true);
    } finally {
      database.close();
    }
  });
});

describe("WeCom native feedback without a question log", () => {
  it("offers no feedback buttons when QUESTION_LOG=off (there would be no answer to vote on)", async () => {
    const offStore = openSqliteStateStore({ dataDir: ":memory:" });
    const knowledge = await createTestKnowledgeBot();
    const off = await startWecomTestServer({ bot: knowledge.bot, apiBase: fakeApi.baseUrl, store: offStore, environment: { QUESTION_LOG: "off" } });
    try {
      const reply = await callStream(off.baseUrl, aiBotTextMessage({ msgid: nextEventId(), userId: "feedback-user-5", content: QUESTION }));
      expect(reply.feedback).toBeUndefined();
    } finally {
      await off.close();
      await offStore.close();
      await knowledge.cleanup();
    }
  });
});
