/**
 * The API client's token cache against the fake WeCom API, and re-index notices pushed to the
 * group webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWecomApiClient } from "../../adapters/wecom/api-client.js";
import { WecomError } from "../../adapters/wecom/errors.js";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { createScriptedKnowledgeBot, cannedAnswer, scriptedSummary } from "../support/scripted-knowledge-bot.js";
import { APP_KEYS, startWecomTestServer, WEBHOOK_KEY } from "./support/wecom-test-server.js";

let fakeApi: FakeWecomApi;

beforeAll(async () => {
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
});

afterAll(async () => {
  await fakeApi?.close();
});

function client(now: () => number, secret = APP_KEYS.secret) {
  return createWecomApiClient({ apiBase: fakeApi.baseUrl, app: { corpId: APP_KEYS.corpId, secret, agentId: APP_KEYS.agentId }, now });
}

describe("access token cache", () => {
  it("fetches once for concurrent callers, reuses the token, and refreshes shortly before expiry", async () => {
    let time = 1_000_000;
    const api = client(() => time);
    const before = fakeApi.tokenRequests.length;
    const [first, second] = await Promise.all([api.getAccessToken(), api.getAccessToken()]);
    expect(first).toBe(second);
    expect(fakeApi.tokenRequests.length - before).toBe(1);
    time += 7200_000 - 6 * 60_000;
    expect(await api.getAccessToken()).toBe(first);
    time += 2 * 60_000;
    expect(await api.getAccessToken()).not.toBe(first);
    expect(fakeApi.tokenRequests.length - before).toBe(2);
  });

  it("retries message/send once with a fresh token after 42001, and gives up on a second rejection", async () => {
    const api = client(Date.now);
    await api.sendAppMessage("u1", { msgtype: "text", content: "one" });
    const token = await api.getAccessToken();
    fakeApi.expireToken(token);
    const before = fakeApi.tokenRequests.length;
    await api.sendAppMessage("u1", { msgtype: "text", content: "two" });
    expect(fakeApi.tokenRequests.length - before).toBe(1);
    expect(fakeApi.sentMessages.filter((call) => call.body.touser === "u1").map((call) => (call.body.text as { content: string }).content)).toEqual([
      "one",
      "two",
    ]);

    fakeApi.expireEveryToken(true);
    try {
      const refusedBefore = fakeApi.refusedMessages.length;
      const error = await api.sendAppMessage("u1", { msgtype: "text", content: "three" }).catch((caught: unknown) => caught);
      expect((error as WecomError).errcode).toBe(42001);
      expect(fakeApi.refusedMessages.length - refusedBefore).toBe(2);
    } finally {
      fakeApi.expireEveryToken(false);
    }
  });

  it("reports a wrong secret with its errcode and a hint naming the variables", async () => {
    const api = client(Date.now, "wrong-secret");
    const error = await api.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WecomError);
    expect((error as WecomError).errcode).toBe(40001);
    expect((error as WecomError).hint).toContain("WECOM_SECRET");
    expect((error as WecomError).message).not.toContain("wrong-secret");
  });
});

describe("group webhook notices", () => {
  it("posts re-index results and failures as markdown to the webhook once started", async () => {
    const bot = createScriptedKnowledgeBot(() => cannedAnswer());
    const server = await startWecomTestServer({ bot, apiBase: fakeApi.baseUrl });
    try {
      bot.emit({ type: "reindexed", summary: scriptedSummary({ errors: [{ file: "bad.csv", line: 3, code: "SOURCE_MALFORMED", message: "x" }] }) });
      bot.emit({ type: "reindex-failed", error: new Error("disk full") });
      await fakeApi.waitFor(() => fakeApi.webhookPosts.length >= 2);
      const contents = fakeApi.webhookPosts.map((call) => {
        expect(call.query.key).toBe(WEBHOOK_KEY);
        expect(call.body.msgtype).toBe("markdown");
        return (call.body.markdown as { content: string }).content;
      });
      expect(contents[0]).toContain("索引已更新");
      expect(contents[0]).toContain("bad.csv:3 SOURCE_MALFORMED");
      expect(contents[1]).toContain("重建索引失败");
      expect(contents[1]).toContain("disk full");
    } finally {
      await server.close();
    }
    // After stop() the adapter no longer listens.
    bot.emit({ type: "reindex-failed", error: new Error("after stop") });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fakeApi.webhookPosts).toHaveLength(2);
  });
});
