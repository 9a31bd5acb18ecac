/**
 * The AI bot over real HTTP: group @mention → placeholder stream → refresh callbacks until
 * `finish: true`; duplicates; late answers through response_url; refused callbacks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STREAM_LATE_NOTE, STREAM_PLACEHOLDER, STREAM_SENT_SEPARATELY_NOTE } from "../../adapters/wecom/answer-streams.js";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import {
  aiBotRefreshMessage,
  aiBotTextMessage,
  openPassiveReply,
  sealCallback,
  verificationQuery,
  type SurfaceKeys,
} from "../../adapters/wecom/testing/signed-callbacks.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { createAnsweringBot, DISCLAIMER_QUESTION, type AnsweringBot } from "./support/answering-bot.js";
import { get, post } from "./support/http.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { cannedAnswer, createScriptedKnowledgeBot } from "../support/scripted-knowledge-bot.js";
import { ADMIN_USER_ID, APP_KEYS, BOT_KEYS, startWecomTestServer, WEBHOOK_KEY, type WecomTestServer } from "./support/wecom-test-server.js";

const botKeys: SurfaceKeys = { token: BOT_KEYS.token, encodingAesKey: BOT_KEYS.encodingAesKey, receiveId: "" };

interface StreamPlaintext {
  msgtype: string;
  stream: { id: string; finish: boolean; content: string };
}

let fakeApi: FakeWecomApi;
let answering: AnsweringBot;
let server: WecomTestServer;
let counter = 0;

function nextMsgId(): string {
  counter += 1;
  return `msg-${Date.now()}-${counter}`;
}

/** What was posted to one response_url (the fake API serves every test's). */
function postsTo(responseCode: string) {
  return fakeApi.responseUrlPosts.filter((post) => post.query.response_code === responseCode);
}

async function callBot(target: WecomTestServer, plaintext: string, keys: SurfaceKeys = botKeys, nonce?: string) {
  const sealed = sealCallback(keys, plaintext, { nonce });
  const response = await post(`${target.baseUrl}/wecom/bot?${sealed.query}`, JSON.stringify({ encrypt: sealed.encrypt }), "application/json");
  return { ...response, nonce: new URLSearchParams(sealed.query).get("nonce")! };
}

async function callStream(target: WecomTestServer, plaintext: string): Promise<StreamPlaintext> {
  const response = await callBot(target, plaintext);
  expect(response.status).toBe(200);
  const reply = JSON.parse(response.text) as { encrypt: string; msgsignature: string; timestamp: number; nonce: string };
  // WeCom's checks on a passive reply: our nonce echoed, a valid signature, receiveid "".
  expect(reply.nonce).toBe(response.nonce);
  const opened = openPassiveReply(botKeys, reply);
  expect(opened.signatureValid).toBe(true);
  expect(opened.receiveId).toBe("");
  return opened.json as StreamPlaintext;
}

async function refreshUntilFinished(target: WecomTestServer, msgid: string, userId: string, streamId: string, chatid?: string) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const refreshed = await callStream(target, aiBotRefreshMessage({ msgid, userId, streamId, chatid }));
    expect(refreshed.stream.id).toBe(streamId);
    if (refreshed.stream.finish) return { reply: refreshed, refreshes: attempt + 1 };
    expect(refreshed.stream.content).toBe(STREAM_PLACEHOLDER);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("stream never finished");
}

beforeAll(async () => {
  answering = await createAnsweringBot();
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  server = await startWecomTestServer({ bot: answering.bot, apiBase: fakeApi.baseUrl });
});

afterAll(async () => {
  await server?.close();
  await fakeApi?.close();
  await answering?.cleanup();
});

describe("AI bot: URL verification", () => {
  it("answers the bare decrypted echostr (receiveid empty)", async () => {
    const response = await get(`${server.baseUrl}/wecom/bot?${verificationQuery(botKeys, "5823495716231234567")}`);
    expect(response.status).toBe(200);
    expect(response.text).toBe("5823495716231234567");
  });

  it("refuses an echostr encrypted for an app (receiveid = CorpID)", async () => {
    const response = await get(`${server.baseUrl}/wecom/bot?${verificationQuery({ ...botKeys, receiveId: APP_KEYS.corpId }, "1")}`);
    expect(response.status).toBe(403);
  });
});

describe("AI bot: group @mention", () => {
  it("replies with a placeholder stream, then the cited answer on a refresh with finish: true", async () => {
    const msgid = nextMsgId();
    const before = answering.questionCount();
    const first = await callStream(
      server,
      aiBotTextMessage({
        msgid,
        userId: "zhangsan",
        chatid: "group-1",
        content: `@知识助手 ${DISCLAIMER_QUESTION}`,
        responseUrl: fakeApi.responseUrl("code-1"),
      }),
    );
    expect(first.msgtype).toBe("stream");
    expect(first.stream).toMatchObject({ finish: false, content: STREAM_PLACEHOLDER });
    expect(first.stream.id).toMatch(/^[0-9a-f]{32}$/);

    const { reply } = await refreshUntilFinished(server, msgid, "zhangsan", first.stream.id, "group-1");
    const content = reply.stream.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(20480);
    expect(content).toMatch(/\[\[1\]\]\(http[^)]+\)/);
    expect(content).toContain("**来源**");
    expect(content.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
    // The mention never reaches the knowledge bot, and the question is asked once.
    expect(answering.questionCount() - before).toBe(1);
    expect(answering.lastQuestion()).toMatchObject({ text: DISCLAIMER_QUESTION, platform: "wecom" });
    // The answer went out in the stream, so response_url stays unused.
    expect(postsTo("code-1")).toHaveLength(0);
  });

  it("answers the same msgid delivered three times with one stream and one question", async () => {
    const msgid = nextMsgId();
    const before = answering.questionCount();
    const message = aiBotTextMessage({ msgid, userId: "lisi", content: DISCLAIMER_QUESTION, responseUrl: fakeApi.responseUrl("code-2") });
    const replies = [await callStream(server, message), await callStream(server, message), await callStream(server, message)];
    expect(new Set(replies.map((reply) => reply.stream.id)).size).toBe(1);
    await refreshUntilFinished(server, msgid, "lisi", replies[0]!.stream.id);
    expect(answering.questionCount() - before).toBe(1);
  });

  it("runs /reindex for an admin in a group, answering in the stream and notifying the webhook group", async () => {
    const webhookPostsBefore = fakeApi.webhookPosts.length;
    const msgid = nextMsgId();
    const first = await callStream(server, aiBotTextMessage({ msgid, userId: ADMIN_USER_ID, chatid: "group-ops", content: "@知识助手 /reindex" }));
    const { reply } = await refreshUntilFinished(server, msgid, ADMIN_USER_ID, first.stream.id, "group-ops");
    expect(reply.stream.content).toContain("索引已更新");
    await fakeApi.waitFor(() => fakeApi.webhookPosts.length > webhookPostsBefore);
    expect((fakeApi.webhookPosts.at(-1)!.body.markdown as { content: string }).content).toContain("索引已更新");
  });

  it("refuses /reindex politely to someone who is not an admin", async () => {
    const msgid = nextMsgId();
    const first = await callStream(server, aiBotTextMessage({ msgid, userId: "lisi", chatid: "group-1", content: "/reindex @知识助手" }));
    const { reply } = await refreshUntilFinished(server, msgid, "lisi", first.stream.id, "group-1");
    expect(reply.stream.content).toBe(REPLY_TEXTS.notAdmin);
  });

  it("welcomes a user entering the chat", async () => {
    const event = JSON.stringify({ msgid: nextMsgId(), msgtype: "event", from: { userid: "lisi" }, event: { eventtype: "enter_chat" } });
    const reply = (await callStream(server, event)) as unknown as { msgtype: string; text: { content: string } };
    expect(reply.msgtype).toBe("text");
    // The welcome is the /start help text, the same words as on every platform.
    expect(reply.text.content).toContain(REPLY_TEXTS.howToAsk("wecom"));
    expect(reply.text.content).toContain(`${answering.bot.stats().sources} 篇资料`);
    expect(reply.text.content).toContain("/new");
  });
});

describe("AI bot: late answers", () => {
  it("closes the stream after its window and posts the answer once to response_url", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowBot = createScriptedKnowledgeBot(async () => {
      await gate;
      return cannedAnswer("“迟到的段落。”[1]");
    });
    const slowServer = await startWecomTestServer({ bot: slowBot, apiBase: fakeApi.baseUrl, adapterOptions: { streamWindowMs: 200 } });
    try {
      const msgid = nextMsgId();
      const first = await callStream(slowServer, aiBotTextMessage({ msgid, userId: "wangwu", content: "慢问题", responseUrl: fakeApi.responseUrl("late-1") }));
      expect(first.stream.finish).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const closed = await callStream(slowServer, aiBotRefreshMessage({ msgid, userId: "wangwu", streamId: first.stream.id }));
      expect(closed.stream).toMatchObject({ finish: true, content: STREAM_LATE_NOTE });
      expect(postsTo("late-1")).toHaveLength(0);

      release();
      await fakeApi.waitFor(() => postsTo("late-1").length === 1);
      const posted = postsTo("late-1")[0]!;
      expect(posted.query.response_code).toBe("late-1");
      expect(posted.body.msgtype).toBe("markdown");
      expect((posted.body.markdown as { content: string }).content).toContain("“迟到的段落。”[[1]](http://127.0.0.1/kb/a.md)");
      const after = await callStream(slowServer, aiBotRefreshMessage({ msgid, userId: "wangwu", streamId: first.stream.id }));
      expect(after.stream).toMatchObject({ finish: true, content: STREAM_SENT_SEPARATELY_NOTE });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(postsTo("late-1")).toHaveLength(1);
    } finally {
      release();
      await slowServer.close();
    }
  });
});

describe("AI bot: a re-delivery that carries the answer", () => {
  it("counts as delivered, so the window's end posts nothing to response_url", async () => {
    const bot = createScriptedKnowledgeBot(() => cannedAnswer("“及时的段落。”[1]"));
    const quickServer = await startWecomTestServer({ bot, apiBase: fakeApi.baseUrl, adapterOptions: { streamWindowMs: 800 } });
    try {
      const postsBefore = fakeApi.responseUrlPosts.length;
      const message = aiBotTextMessage({ msgid: nextMsgId(), userId: "qianba", content: "问题", responseUrl: fakeApi.responseUrl("quick-1") });
      expect((await callStream(quickServer, message)).stream.finish).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = await callStream(quickServer, message);
      expect(again.stream.finish).toBe(true);
      expect(again.stream.content).toContain("及时的段落");
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(fakeApi.responseUrlPosts.length).toBe(postsBefore);
      expect(bot.queries).toHaveLength(1);
    } finally {
      await quickServer.close();
    }
  });
});

describe("AI bot: a busy group", () => {
  it("caps one group's backlog and does not make other conversations wait for it", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The busy group's questions are 问题0…问题3; only they wait.
    const fromBusyGroup = (text: string) => text.startsWith("问题");
    const bot = createScriptedKnowledgeBot(async (query) => {
      if (fromBusyGroup(query.text)) await gate;
      return cannedAnswer(`“${query.text}”[1]`);
    });
    const busyServer = await startWecomTestServer({
      bot,
      apiBase: fakeApi.baseUrl,
      adapterOptions: { queue: { concurrency: 2, perKeyConcurrency: 1, maxQueuedPerKey: 3 } },
    });
    try {
      const replies = [];
      for (let index = 0; index < 4; index += 1) {
        const message = aiBotTextMessage({ msgid: nextMsgId(), userId: `member-${index}`, chatid: "group-busy", content: `@知识助手 问题${index}` });
        replies.push(await callStream(busyServer, message));
      }
      expect(replies.slice(0, 3).map((reply) => reply.stream.finish)).toEqual([false, false, false]);
      expect(replies[3]!.stream).toMatchObject({ finish: true, content: REPLY_TEXTS.queueFull });

      const msgid = nextMsgId();
      const quiet = await callStream(busyServer, aiBotTextMessage({ msgid, userId: "quiet-user", content: "安静的问题" }));
      const { reply } = await refreshUntilFinished(busyServer, msgid, "quiet-user", quiet.stream.id);
      expect(reply.stream.content).toContain("安静的问题");
      // The busy group is still waiting: only one of its questions has reached the bot.
      expect(bot.queries.filter((query) => fromBusyGroup(query.text))).toHaveLength(1);
    } finally {
      release();
      await busyServer.close();
    }
    expect(bot.queries.filter((query) => fromBusyGroup(query.text))).toHaveLength(3);
  });
});

describe("AI bot: refused callbacks", () => {
  const message = () => aiBotTextMessage({ msgid: nextMsgId(), userId: "mallory", content: "hi" });

  it("refuses a tampered signature", async () => {
    const sealed = sealCallback(botKeys, message());
    const query = sealed.query.replace(/nonce=\d/, (match) => `${match}9`);
    const response = await post(`${server.baseUrl}/wecom/bot?${query}`, JSON.stringify({ encrypt: sealed.encrypt }), "application/json");
    expect(response.status).toBe(401);
  });

  it("refuses a message encrypted with the wrong key (garbage that is not JSON)", async () => {
    const response = await callBot(server, message(), { ...botKeys, encodingAesKey: APP_KEYS.encodingAesKey });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it("refuses a message encrypted for an app (wrong receiveid)", async () => {
    const response = await callBot(server, message(), { ...botKeys, receiveId: APP_KEYS.corpId });
    expect(response.status).toBe(403);
  });

  it("refuses malformed and oversized bodies", async () => {
    const sealed = sealCallback(botKeys, message());
    const notJson = await post(`${server.baseUrl}/wecom/bot?${sealed.query}`, "{encrypt:", "application/json");
    expect(notJson.status).toBe(400);
    const noEncrypt = await post(`${server.baseUrl}/wecom/bot?${sealed.query}`, "{}", "application/json");
    expect(noEncrypt.status).toBe(400);
    const innerNotJson = await callBot(server, '{"msgid": "x", "FromUserName": :mycreate"}');
    expect(innerNotJson.status).toBe(400);
    expect(innerNotJson.text).toBe("WECOM_PAYLOAD_MALFORMED");
    const oversized = await post(`${server.baseUrl}/wecom/bot?${sealed.query}`, JSON.stringify({ encrypt: "A".repeat(40_000) }), "application/json");
    expect(oversized.status).toBe(413);
  });

  it("asks the knowledge bot nothing for refused callbacks", async () => {
    const sealed = sealCallback(botKeys, message());
    const refused = [
      await post(
        `${server.baseUrl}/wecom/bot?${sealed.query.replace(/nonce=\d/, (match) => `${match}9`)}`,
        JSON.stringify({ encrypt: sealed.encrypt }),
        "application/json",
      ),
      await callBot(server, message(), { ...botKeys, encodingAesKey: APP_KEYS.encodingAesKey }),
      await callBot(server, message(), { ...botKeys, receiveId: APP_KEYS.corpId }),
      await callBot(server, '{"msgid": "x", "FromUserName": :mycreate"}'),
      await post(`${server.baseUrl}/wecom/bot?${sealed.query}`, JSON.stringify({ encrypt: "A".repeat(40_000) }), "application/json"),
    ];
    expect(refused.map((response) => response.status >= 400 && response.status < 500)).toEqual([true, true, true, true, true]);
    // A valid message sent after them is answered in full; nothing from mallory was asked before it.
    const msgid = nextMsgId();
    const before = answering.questionCount();
    const after = await callStream(server, aiBotTextMessage({ msgid, userId: "after-mallory", content: DISCLAIMER_QUESTION }));
    await refreshUntilFinished(server, msgid, "after-mallory", after.stream.id);
    expect(answering.questionCount() - before).toBe(1);
    expect(answering.questionsAbout("hi")).toBe(0);
  });
});
