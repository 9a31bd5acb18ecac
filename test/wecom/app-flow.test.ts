/**
 * The self-built app over real HTTP: WeCom's side is played by signed, encrypted callbacks and a
 * fake WeCom API on 127.0.0.1.
 */
import { decrypt, getSignature } from "@wecom/crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseXmlFields } from "../../adapters/wecom/app-xml.js";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { appCallbackBody, appTextMessageXml, sealCallback, verificationQuery } from "../../adapters/wecom/testing/signed-callbacks.js";
import { renderAnswerMessages } from "../../adapters/wecom/render-reply.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import type { KnowledgeBot } from "../../src/core/knowledge-bot.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { createAnsweringBot, DISCLAIMER_QUESTION, type AnsweringBot } from "./support/answering-bot.js";
import { get, post } from "./support/http.js";
import { ADMIN_USER_ID, APP_KEYS, startWecomTestServer, WEBHOOK_KEY, type WecomTestServer } from "./support/wecom-test-server.js";

const appKeys = { token: APP_KEYS.token, encodingAesKey: APP_KEYS.encodingAesKey, receiveId: APP_KEYS.corpId };
let fakeApi: FakeWecomApi;
let server: WecomTestServer;
let answering: AnsweringBot;
let messageCounter = 0;

function nextMsgId(): string {
  // Above 2^53, like real MsgIds.
  messageCounter += 1;
  return (9_007_199_254_740_993n + BigInt(messageCounter) * 1000n).toString();
}

async function sendAppText(content: string, options: { userId?: string; msgId?: string } = {}) {
  const msgId = options.msgId ?? nextMsgId();
  const plaintext = appTextMessageXml({ corpId: APP_KEYS.corpId, userId: options.userId ?? "zhangsan", content, msgId, agentId: APP_KEYS.agentId });
  const sealed = sealCallback(appKeys, plaintext);
  const body = appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, sealed.encrypt);
  return { msgId, response: await post(`${server.baseUrl}/wecom/app?${sealed.query}`, body, "text/xml") };
}

function sentTo(userId: string) {
  return fakeApi.sentMessages.filter((call) => call.body.touser === userId);
}

function contentOf(call: { body: Record<string, unknown> }): string {
  return (call.body.markdown as { content: string }).content;
}

/** Questions whose answers the bot holds back until the test releases them. */
const heldQuestions = new Map<string, Promise<void>>();

function holdAnswersTo(text: string): () => void {
  let release = () => {};
  heldQuestions.set(text, new Promise<void>((resolve) => (release = resolve)));
  return () => {
    heldQuestions.delete(text);
    release();
  };
}

beforeAll(async () => {
  answering = await createAnsweringBot();
  const heldBot: KnowledgeBot = {
    ...answering.bot,
    answer: async (query) => {
      await heldQuestions.get(query.text);
      return answering.bot.answer(query);
    },
  };
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  server = await startWecomTestServer({ bot: heldBot, apiBase: fakeApi.baseUrl });
});

afterAll(async () => {
  await server?.close();
  await fakeApi?.close();
  await answering?.cleanup();
});

beforeEach(() => {
  fakeApi.sentMessages.length = 0;
});

describe("self-built app: URL verification", () => {
  it("answers the bare decrypted echostr", async () => {
    const response = await get(`${server.baseUrl}/wecom/app?${verificationQuery(appKeys, "1616140317555161061")}`);
    expect(response.status).toBe(200);
    expect(response.text).toBe("1616140317555161061");
  });

  it("refuses a verification signed with another token", async () => {
    const response = await get(`${server.baseUrl}/wecom/app?${verificationQuery({ ...appKeys, token: "other" }, "123")}`);
    expect(response.status).toBe(401);
    expect(response.text).not.toContain("123");
  });
});

describe("self-built app: messages", () => {
  it("acknowledges with an empty 200 before answering, then sends exactly one answer with citations and the disclaimer", async () => {
    // The answer is held until the acknowledgement has arrived: were the callback to wait for the
    // answer, the request would never complete.
    const answersBefore = answering.answers.length;
    const release = holdAnswersTo(DISCLAIMER_QUESTION);
    const { response } = await sendAppText(DISCLAIMER_QUESTION, { userId: "lisi" }).finally(release);
    expect(response.status).toBe(200);
    expect(response.text).toBe("");
    expect(answering.answers.length).toBe(answersBefore);
    expect(sentTo("lisi")).toEqual([]);
    await fakeApi.waitFor(() => sentTo("lisi").length > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const messages = sentTo("lisi");
    const joined = messages.map(contentOf).join("\n\n");
    for (const call of messages) {
      expect(call.body).toMatchObject({ msgtype: "markdown", agentid: Number(APP_KEYS.agentId) });
      expect(Buffer.byteLength(contentOf(call))).toBeLessThanOrEqual(2048);
    }
    expect(joined).toMatch(/\[\[1\]\]\(http[^)]+\)/);
    expect(joined).toContain("**来源**");
    expect(joined.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
    // Exactly one answer's worth of message/send calls (one per 2048-byte part).
    const given = answering.answers.slice(answersBefore);
    expect(given).toHaveLength(1);
    expect(messages.map(contentOf)).toEqual(renderAnswerMessages(given[0]!.answer, 2048));
  });

  it("answers the same MsgId delivered three times once", async () => {
    const msgId = nextMsgId();
    const before = answering.questionCount();
    const deliveries = [];
    for (let attempt = 0; attempt < 3; attempt += 1) deliveries.push((await sendAppText(DISCLAIMER_QUESTION, { userId: "wangwu", msgId })).response);
    expect(deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200]);
    await fakeApi.waitFor(() => sentTo("wangwu").length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answering.questionCount() - before).toBe(1);
    const given = answering.answers.slice(-1);
    expect(sentTo("wangwu").map(contentOf)).toEqual(renderAnswerMessages(given[0]!.answer, 2048));
  });

  it("refreshes an expired token once (42001) and resends", async () => {
    const token = await fakeApiCurrentToken();
    fakeApi.expireToken(token);
    const tokenRequestsBefore = fakeApi.tokenRequests.length;
    const refusedBefore = fakeApi.refusedMessages.length;
    await sendAppText(DISCLAIMER_QUESTION, { userId: "zhaoliu" });
    await fakeApi.waitFor(() => sentTo("zhaoliu").length > 0);
    expect(fakeApi.tokenRequests.length - tokenRequestsBefore).toBe(1);
    const refused = fakeApi.refusedMessages.slice(refusedBefore);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.query.access_token).toBe(token);
    expect(sentTo("zhaoliu")[0]!.query.access_token).not.toBe(token);
  });

  it("answers a non-text message with an encrypted passive reply", async () => {
    const plaintext = appTextMessageXml({ corpId: APP_KEYS.corpId, userId: "sunqi", content: "", msgId: nextMsgId(), agentId: APP_KEYS.agentId }).replace(
      "<MsgType><![CDATA[text]]></MsgType>",
      "<MsgType><![CDATA[image]]></MsgType>",
    );
    const sealed = sealCallback(appKeys, plaintext, { nonce: "424242" });
    const response = await post(`${server.baseUrl}/wecom/app?${sealed.query}`, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, sealed.encrypt), "text/xml");
    expect(response.status).toBe(200);
    const envelope = parseXmlFields(response.text, "reply");
    expect(envelope.Nonce).toBe("424242");
    expect(getSignature(APP_KEYS.token, envelope.TimeStamp!, envelope.Nonce!, envelope.Encrypt!)).toBe(envelope.MsgSignature);
    const opened = decrypt(APP_KEYS.encodingAesKey, envelope.Encrypt!);
    expect(opened.id).toBe(APP_KEYS.corpId);
    expect(parseXmlFields(opened.message, "plain")).toMatchObject({ ToUserName: "sunqi", MsgType: "text", Content: REPLY_TEXTS.unsupported });
  });

  it("runs /stats for admins and refuses it politely for others", async () => {
    await sendAppText("/stats", { userId: ADMIN_USER_ID });
    await sendAppText("/stats", { userId: "visitor" });
    await fakeApi.waitFor(() => sentTo(ADMIN_USER_ID).length > 0 && sentTo("visitor").length > 0);
    expect(contentOf(sentTo(ADMIN_USER_ID)[0]!)).toContain(`索引版本 ${answering.bot.stats().version}`);
    expect(contentOf(sentTo("visitor")[0]!)).toBe(REPLY_TEXTS.notAdmin);
  });
});

describe("self-built app: refused callbacks", () => {
  async function postRaw(query: string, body: string) {
    return post(`${server.baseUrl}/wecom/app?${query}`, body, "text/xml");
  }

  function validMessage() {
    const plaintext = appTextMessageXml({ corpId: APP_KEYS.corpId, userId: "mallory", content: "hi", msgId: nextMsgId(), agentId: APP_KEYS.agentId });
    return sealCallback(appKeys, plaintext);
  }

  it("refuses a tampered signature with 401", async () => {
    const sealed = validMessage();
    const tampered = sealed.query.replace(/msg_signature=([0-9a-f])/, (_, first: string) => `msg_signature=${first === "0" ? "1" : "0"}`);
    const response = await postRaw(tampered, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, sealed.encrypt));
    expect(response.status).toBe(401);
    expect(response.text).toBe("WECOM_SIGNATURE_INVALID");
  });

  it("refuses a message encrypted with the wrong key", async () => {
    const plaintext = appTextMessageXml({ corpId: APP_KEYS.corpId, userId: "mallory", content: "hi", msgId: nextMsgId(), agentId: APP_KEYS.agentId });
    const sealed = sealCallback({ ...appKeys, encodingAesKey: "0000000000111111111122222222223333333333444" }, plaintext);
    const response = await postRaw(sealed.query, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, sealed.encrypt));
    expect([400, 403]).toContain(response.status);
    expect(["WECOM_DECRYPT_FAILED", "WECOM_RECEIVE_ID_MISMATCH"]).toContain(response.text);
  });

  it("refuses a message for another corp (wrong receiveid) with 403", async () => {
    const plaintext = appTextMessageXml({ corpId: "wwother", userId: "mallory", content: "hi", msgId: nextMsgId(), agentId: APP_KEYS.agentId });
    const sealed = sealCallback({ ...appKeys, receiveId: "wwother" }, plaintext);
    const response = await postRaw(sealed.query, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, sealed.encrypt));
    expect(response.status).toBe(403);
    expect(response.text).toBe("WECOM_RECEIVE_ID_MISMATCH");
  });

  it("refuses an oversized body with 413 and malformed bodies with 400", async () => {
    const sealed = validMessage();
    const oversized = await postRaw(sealed.query, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, "A".repeat(20_000)));
    expect(oversized.status).toBe(413);
    const notXml = await postRaw(sealed.query, "{not xml");
    expect(notXml.status).toBe(400);
    const innerNotXml = sealCallback(appKeys, "not xml at all");
    const malformed = await postRaw(innerNotXml.query, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, innerNotXml.encrypt));
    expect(malformed.status).toBe(400);
    expect(malformed.text).toBe("WECOM_PAYLOAD_MALFORMED");
  });

  it("refuses a stale timestamp with 401", async () => {
    const plaintext = appTextMessageXml({ corpId: APP_KEYS.corpId, userId: "mallory", content: "hi", msgId: nextMsgId(), agentId: APP_KEYS.agentId });
    const sealed = sealCallback(appKeys, plaintext, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    const response = await postRaw(sealed.query, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, sealed.encrypt));
    expect(response.status).toBe(401);
    expect(response.text).toBe("WECOM_TIMESTAMP_OUT_OF_WINDOW");
  });

  it("sends nothing and asks nothing for refused callbacks", async () => {
    const sealed = validMessage();
    const body = appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, sealed.encrypt);
    const wrongKey = sealCallback(
      { ...appKeys, encodingAesKey: "0000000000111111111122222222223333333333444" },
      appTextMessageXml({ corpId: APP_KEYS.corpId, userId: "mallory", content: "hi", msgId: nextMsgId(), agentId: APP_KEYS.agentId }),
    );
    const stale = sealCallback(
      appKeys,
      appTextMessageXml({ corpId: APP_KEYS.corpId, userId: "mallory", content: "hi", msgId: nextMsgId(), agentId: APP_KEYS.agentId }),
      { timestamp: Math.floor(Date.now() / 1000) - 3600 },
    );
    const refused = [
      await postRaw(
        sealed.query.replace(/msg_signature=([0-9a-f])/, (_, first: string) => `msg_signature=${first === "0" ? "1" : "0"}`),
        body,
      ),
      await postRaw(wrongKey.query, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, wrongKey.encrypt)),
      await postRaw(stale.query, appCallbackBody(APP_KEYS.corpId, APP_KEYS.agentId, stale.encrypt)),
      await postRaw(sealed.query, "{not xml"),
    ];
    expect(refused.map((response) => response.status >= 400 && response.status < 500)).toEqual([true, true, true, true]);
    // A valid message sent after them is answered; nothing went to mallory before it.
    await sendAppText(DISCLAIMER_QUESTION, { userId: "after-mallory" });
    await fakeApi.waitFor(() => sentTo("after-mallory").length > 0);
    expect(sentTo("mallory")).toHaveLength(0);
    expect(answering.questionsAbout("hi")).toBe(0);
  });
});

async function fakeApiCurrentToken(): Promise<string> {
  // Make sure a token is cached, then read the one the adapter used last.
  if (fakeApi.tokenRequests.length === 0) {
    await sendAppText(DISCLAIMER_QUESTION, { userId: "warmup" });
    await fakeApi.waitFor(() => sentTo("warmup").length > 0);
  }
  return `fake-token-${fakeApi.tokenRequests.length}`;
}
