/**
 * Follow-up questions end to end on both WeCom surfaces: signed, encrypted callbacks over real
 * HTTP, the fake WeCom API on 127.0.0.1, the shared responder and the real knowledge bot over an
 * index of the shipped knowledge/ page. "那吉林呢？" after the 江苏医保卡 question is answered
 * about 吉林 with a line saying how it was understood; alone, or from another member, it is not.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import {
  aiBotRefreshMessage,
  aiBotTextMessage,
  appCallbackBody,
  appTextMessageXml,
  openPassiveReply,
  sealCallback,
  type SurfaceKeys,
} from "../../adapters/wecom/testing/signed-callbacks.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { createTestKnowledgeBot } from "../support/test-knowledge-bot.js";
import { post } from "./support/http.js";
import { APP_KEYS, BOT_KEYS, startWecomTestServer, WEBHOOK_KEY, type WecomTestServer } from "./support/wecom-test-server.js";

const FIRST_QUESTION = "江苏省内医保卡可以异地使用吗";
const FOLLOW_UP = "那吉林呢？";
const UNDERSTOOD = REPLY_TEXTS.understoodAs("吉林省内医保卡可以异地使用吗");

const botKeys: SurfaceKeys = { token: BOT_KEYS.token, encodingAesKey: BOT_KEYS.encodingAesKey, receiveId: "" };
const appKeys: SurfaceKeys = { token: APP_KEYS.token, encodingAesKey: APP_KEYS.encodingAesKey, receiveId: APP_KEYS.corpId };

let fakeApi: FakeWecomApi;
let server: WecomTestServer;
let knowledge: Awaited<ReturnType<typeof createTestKnowledgeBot>>;
let counter = 0;

beforeAll(async () => {
  knowledge = await createTestKnowledgeBot();
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  server = await startWecomTestServer({ bot: knowledge.bot, apiBase: fakeApi.baseUrl });
});

afterAll(async () => {
  await server?.close();
  await fakeApi?.close();
  await knowledge?.cleanup();
});

beforeEach(() => {
  fakeApi.sentMessages.length = 0;
});

function nextMsgId(): string {
  counter += 1;
  return `follow-up-${counter}`;
}

async function callBot(plaintext: string): Promise<{ id: string; finish: boolean; content: string }> {
  const sealed = sealCallback(botKeys, plaintext);
  const response = await post(`${server.baseUrl}/wecom/bot?${sealed.query}`, JSON.stringify({ encrypt: sealed.encrypt }), "application/json");
  expect(response.status).toBe(200);
  const opened = openPassiveReply(botKeys, JSON.parse(response.text) as { encrypt: string; msgsignature: string; timestamp: number; nonce: string });
  expect(opened.signatureValid).toBe(true);
  return (opened.json as { stream: { id: string; finish: boolean; content: string } }).stream;
}

/** Asks the AI bot and follows the stream's refresh callbacks until the answer is there. */
async function askBot(userId: string, content: string, chatid?: string): Promise<string> {
  const msgid = nextMsgId();
  let stream = await callBot(aiBotTextMessage({ msgid, userId, chatid, content }));
  for (let attempt = 0; !stream.finish && attempt < 200; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 30));
    stream = await callBot(aiBotRefreshMessage({ msgid, userId, chatid, streamId: stream.id }));
  }
  expect(stream.finish).toBe(true);
  return stream.content;
}

/** Asks through the self-built app and returns the markdown sent back through message/send. */
async function askApp(userId: string, content: string): Promise<string> {
  const sentBefore = fakeApi.sentMessages.filter((call) => call.body.touser === userId).length;
  const plaintext = appTextMessageXml({
    corpId: APP_KEYS.corpId,
    userId,
    content,
    msgId: String(9_100_000_000_000_000n + BigInt(++counter)),
    agentId: APP_KEYS.agentId,
  });
  const sealed = sealCallback(appKeys, plaintext);
  const response = await post(`${server.baseUrl}/wecom/app?${sealed.query}`, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, sealed.encrypt), "text/xml");
  expect(response.status).toBe(200);
  await fakeApi.waitFor(() => fakeApi.sentMessages.filter((call) => call.body.touser === userId).length > sentBefore);
  // Give a multi-part answer time to finish sending before reading it.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const sent = fakeApi.sentMessages.filter((call) => call.body.touser === userId).slice(sentBefore);
  return sent.map((call) => (call.body.markdown as { content: string }).content).join("\n\n");
}

/** Titles of the numbered source list in WeCom markdown: `[n] [title](url)`. */
function citedTitles(markdown: string): string[] {
  return [...markdown.matchAll(/^\[\d+\] \[([^\]]+)\]\(/gm)].map((match) => match[1]!);
}

describe("follow-ups on the WeCom AI bot", () => {
  it("answers a group member's '那吉林呢？' about 吉林 after their 江苏医保卡 question; another member's stands alone", async () => {
    expect(citedTitles(await askBot("zhangsan", `@知识助手 ${FIRST_QUESTION}`, "group-follow"))).toContain(FIRST_QUESTION);

    const neighbour = await askBot("lisi", `@知识助手 ${FOLLOW_UP}`, "group-follow");
    expect(neighbour).not.toContain("按「");
    expect(citedTitles(neighbour)).toEqual([]);

    const followUp = await askBot("zhangsan", `@知识助手 ${FOLLOW_UP}`, "group-follow");
    expect(followUp.startsWith(`> ${UNDERSTOOD}`)).toBe(true);
    const titles = citedTitles(followUp);
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.every((title) => title.includes("吉林"))).toBe(true);
  });

  it("/new in a 1:1 chat starts over", async () => {
    await askBot("wangwu", FIRST_QUESTION);
    expect(await askBot("wangwu", "/new")).toBe(REPLY_TEXTS.newConversation);
    expect(await askBot("wangwu", FOLLOW_UP)).not.toContain("按「");
  });
});

describe("follow-ups on the WeCom self-built app", () => {
  it("answers '那吉林呢？' about 吉林 after the 江苏医保卡 question, showing how it was understood", async () => {
    expect(citedTitles(await askApp("zhaoliu", FIRST_QUESTION))).toContain(FIRST_QUESTION);
    const followUp = await askApp("zhaoliu", FOLLOW_UP);
    expect(followUp.startsWith(`> ${UNDERSTOOD}`)).toBe(true);
    expect(citedTitles(followUp).every((title) => title.includes("吉林"))).toBe(true);
    expect(citedTitles(followUp).length).toBeGreaterThan(0);
  });

  it("the app and the AI bot are conversations apart", async () => {
    await askBot("sunqi", FIRST_QUESTION);
    expect(await askApp("sunqi", FOLLOW_UP)).not.toContain("按「");
  });
});
