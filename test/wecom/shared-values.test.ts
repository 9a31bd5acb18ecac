/**
 * The stand-ins for the store's shared values that the AI-bot streams use: the in-memory version
 * keeps the store's rules, and the fallback keeps a replica answering while its store is down.
 */
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STREAM_PLACEHOLDER } from "../../adapters/wecom/answer-streams.js";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { aiBotRefreshMessage, aiBotTextMessage } from "../../adapters/wecom/testing/signed-callbacks.js";
import { createInMemorySharedValues, withLocalFallback } from "../../adapters/wecom/shared-values.js";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { cannedAnswer, createScriptedKnowledgeBot } from "../support/scripted-knowledge-bot.js";
import { callStream } from "./support/ai-bot-calls.js";
import { APP_KEYS, startWecomTestServer, WEBHOOK_KEY } from "./support/wecom-test-server.js";

const silent = pino({ level: "silent" });

describe("in-memory shared values", () => {
  it("keeps the first live value, replaces on put, and forgets after the TTL", async () => {
    const values = createInMemorySharedValues();
    expect(await values.putIfAbsent("k", "a", "first", 1000, 0)).toEqual({ value: "first", isNew: true });
    expect(await values.putIfAbsent("k", "a", "second", 1000, 10)).toEqual({ value: "first", isNew: false });
    // Kinds are separate namespaces.
    expect(await values.putIfAbsent("other", "a", "third", 1000, 10)).toEqual({ value: "third", isNew: true });
    await values.putValue("k", "a", "replaced", 1000, 20);
    expect(await values.getValue("k", "a", 500)).toBe("replaced");
    expect(await values.getValue("k", "a", 1020)).toBeUndefined();
    expect(await values.putIfAbsent("k", "a", "after expiry", 1000, 1020)).toEqual({ value: "after expiry", isNew: true });
  });

  it("claims an id once within its TTL", async () => {
    const values = createInMemorySharedValues();
    expect(await values.claim("c", "id", 100, 0)).toBe(true);
    expect(await values.claim("c", "id", 100, 50)).toBe(false);
    expect(await values.claim("c", "id", 100, 100)).toBe(true);
  });

  it("drops the oldest entries beyond its bound", async () => {
    const values = createInMemorySharedValues({ maxEntries: 2 });
    await values.putValue("k", "1", "one", 1000, 0);
    await values.putValue("k", "2", "two", 1000, 0);
    await values.putValue("k", "3", "three", 1000, 0);
    expect([await values.getValue("k", "1", 1), await values.getValue("k", "2", 1), await values.getValue("k", "3", 1)]).toEqual([undefined, "two", "three"]);
  });
});

describe("the fallback while the store is down", () => {
  it("serves every call locally once the store fails, with the same rules", async () => {
    const store = openSqliteStateStore({ dataDir: ":memory:" });
    const values = withLocalFallback(store, silent);
    expect(await values.putIfAbsent("k", "up", "in the store", 1000)).toEqual({ value: "in the store", isNew: true });
    expect(await store.getValue("k", "up")).toBe("in the store");
    await store.close();
    expect(await values.putIfAbsent("k", "down", "local", 1000)).toEqual({ value: "local", isNew: true });
    expect(await values.putIfAbsent("k", "down", "again", 1000)).toEqual({ value: "local", isNew: false });
    expect(await values.getValue("k", "down")).toBe("local");
    expect(await values.claim("c", "x", 1000)).toBe(true);
    expect(await values.claim("c", "x", 1000)).toBe(false);
  });
});

describe("a replica whose store is gone", () => {
  let fakeApi: FakeWecomApi;
  beforeAll(async () => {
    fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  });
  afterAll(async () => fakeApi?.close());

  it("still answers an AI-bot message through its stream", async () => {
    const store = openSqliteStateStore({ dataDir: ":memory:" });
    const bot = createScriptedKnowledgeBot(() => cannedAnswer("“库不在也能回答。”[1]"));
    const server = await startWecomTestServer({ bot, apiBase: fakeApi.baseUrl, store });
    try {
      await store.close();
      const msgid = `store-down-${Date.now()}`;
      const opened = await callStream(server.baseUrl, aiBotTextMessage({ msgid, userId: "store-down-user", content: "问题" }));
      expect(opened.content).toBe(STREAM_PLACEHOLDER);
      let refreshed = opened;
      for (let attempt = 0; attempt < 200 && !refreshed.finish; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        refreshed = await callStream(server.baseUrl, aiBotRefreshMessage({ msgid, userId: "store-down-user", streamId: opened.id }));
      }
      expect(refreshed).toMatchObject({ id: opened.id, finish: true });
      expect(refreshed.content).toContain("库不在也能回答");
      expect(bot.queries).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
