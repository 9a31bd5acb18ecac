/** The server's upkeep pass: questions past QUESTION_LOG_DAYS go, all of them with QUESTION_LOG=off; idle state is swept. */
import { describe, expect, it } from "vitest";
import { upkeepOnce } from "../../src/server/state-upkeep.js";
import { questionGroupKey } from "../../src/state/question-group-key.js";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15);

async function storeWithQuestionsAged(daysAgo: number[]) {
  const store = openSqliteStateStore({ dataDir: ":memory:" });
  for (const [index, age] of daysAgo.entries()) {
    await store.recordQuestion({
      answerId: `a${index}`,
      text: "宝宝湿疹怎么护理",
      groupKey: questionGroupKey("宝宝湿疹怎么护理"),
      platform: "web",
      chatKind: "private",
      conversationHash: "h",
      answered: false,
      scores: [],
      citedSourceIds: [],
      latencyMs: 1,
      askedAt: NOW - age * DAY,
    });
  }
  return store;
}

const conversation = { idleMinutes: 30, maxTurns: 10 };

describe("state upkeep", () => {
  it("purges questions older than the retention days and keeps the rest", async () => {
    const store = await storeWithQuestionsAged([1, 89, 91, 200]);
    expect(await upkeepOnce(store, { questionLog: { enabled: true, retentionDays: 90, maxRows: 1_000_000 }, conversation }, NOW)).toBe(2);
    const [group] = await store.listQuestions({ filter: "all", days: 365, now: NOW });
    expect(group!.count).toBe(2);
    expect(await store.findAnswer("a2")).toBeUndefined();
    await store.close();
  });

  it("keeps at most QUESTION_LOG_MAX_ROWS questions, the most recent", async () => {
    const store = await storeWithQuestionsAged([5, 4, 3, 2, 1, 0]);
    expect(await upkeepOnce(store, { questionLog: { enabled: true, retentionDays: 90, maxRows: 4 }, conversation }, NOW)).toBe(2);
    expect(await store.findAnswer("a0")).toBeUndefined();
    expect(await store.findAnswer("a1")).toBeUndefined();
    expect(await store.findAnswer("a2")).toBeDefined();
    expect(store.database.prepare("SELECT count(*) AS n FROM questions").get()).toEqual({ n: 4 });
    await store.close();
  });

  it("with the question log off, keeps none", async () => {
    const store = await storeWithQuestionsAged([0, 1]);
    expect(await upkeepOnce(store, { questionLog: { enabled: false, retentionDays: 90, maxRows: 1_000_000 }, conversation }, NOW)).toBe(2);
    expect(await store.listQuestions({ filter: "all", days: 365, now: NOW })).toEqual([]);
    await store.close();
  });

  it("drops conversations idle past the configured minutes and expired sessions", async () => {
    const store = await storeWithQuestionsAged([]);
    await store.writeConversation("old", [], NOW - 31 * 60_000);
    await store.writeConversation("recent", [], NOW - 60_000);
    await store.createAdminSession("expired", { createdAt: 0, expiresAt: NOW - 1 });
    await upkeepOnce(store, { questionLog: { enabled: true, retentionDays: 90, maxRows: 1_000_000 }, conversation }, NOW);
    const keys = store.database.prepare("SELECT conversation_key AS key FROM conversations").all();
    expect(keys).toEqual([{ key: "recent" }]);
    expect(store.database.prepare("SELECT count(*) AS n FROM admin_sessions").get()).toEqual({ n: 0 });
    await store.close();
  });
});
