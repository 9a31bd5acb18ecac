/**
 * The PostgreSQL store while its server is down, on a cluster of this file's own (stopping the
 * run's shared one would break the other files): health turns degraded with a plain reason, logged
 * once; question records are kept and written after the server is back; votes and claims reject
 * instead of being acknowledged; held locks are lost; announcements resume on a new connection.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { openPostgresStateStore, type PostgresStateStore } from "../../src/state/postgres-state-store.js";
import type { QuestionRecord } from "../../src/state/state-store.js";
import { startPostgresCluster, type PostgresCluster } from "./support/postgres-cluster.js";
import { capturedLogger } from "./support/test-database.js";

let cluster: PostgresCluster;
let store: PostgresStateStore;
const { logger, lines } = capturedLogger();

beforeAll(async () => {
  cluster = await startPostgresCluster();
  const url = await cluster.createDatabase();
  store = await openPostgresStateStore({ databaseUrl: url, logger, probeIntervalMs: 100, lockHeartbeatMs: 200, connectTimeoutMs: 1000 });
});

afterAll(async () => {
  await store?.close();
  await cluster?.remove();
});

function record(answerId: string, askedAt: number): QuestionRecord {
  return {
    answerId,
    text: "停电时问的问题",
    groupKey: "停电时问的问题",
    platform: "wecom",
    chatKind: "group",
    conversationHash: "c",
    answered: false,
    scores: [],
    citedSourceIds: [],
    latencyMs: 2,
    askedAt,
  };
}

it("degrades while the server is stopped, keeps question records, refuses votes, and writes the records once it is back", async () => {
  const now = Date.now();
  await store.recordQuestion(record("before", now));
  expect(store.health()).toEqual({ dialect: "postgres", state: "ok" });
  const heard: string[] = [];
  await store.listen("index", (payload) => heard.push(payload));
  const lock = await store.tryLock("telegram-polling");
  expect(lock).toBeDefined();

  await cluster.stop();
  // Acknowledged while the database is down: kept, not lost.
  await store.recordQuestion(record("during-1", now + 1));
  await store.recordQuestion(record("during-2", now + 2));
  const health = store.health();
  expect(health.state).toBe("degraded");
  expect(health.detail).toMatch(/cannot be reached/);
  expect(health.detail).toMatch(/2 question records wait/);
  expect(health.detail).not.toContain(cluster.password);
  await expect(store.recordVote({ answerId: "before", voter: "web:1", rating: "up", at: now })).rejects.toMatchObject({ code: "STATE_STORE_UNAVAILABLE" });
  await expect(store.claim("wecom-msgid", "m1", 60_000)).rejects.toMatchObject({ code: "STATE_STORE_UNAVAILABLE" });
  await expect(store.tryLock("reindex")).rejects.toMatchObject({ code: "STATE_STORE_UNAVAILABLE" });
  await waitFor(() => lock!.lost.aborted);

  await cluster.start();
  await waitFor(() => store.health().state === "ok");
  const answers = await Promise.all(["before", "during-1", "during-2"].map((answerId) => store.findAnswer(answerId)));
  expect(answers.map((answer) => answer?.answerId)).toEqual(["before", "during-1", "during-2"]);
  const [group] = await store.listQuestions({ filter: "all", days: 1, now: now + 10 });
  expect(group).toMatchObject({ count: 3, platforms: ["wecom"] });
  expect(await store.recordVote({ answerId: "during-1", voter: "web:1", rating: "up", at: now })).toBe(true);

  // The listening connection came back and listens again.
  await waitFor(async () => {
    await store.announce("index", "v2");
    return heard.includes("v2");
  });

  const log = lines.map((line) => JSON.parse(line) as { msg: string });
  expect(log.filter((line) => line.msg.startsWith("state store degraded"))).toHaveLength(1);
  expect(log.filter((line) => line.msg === "state store reachable again").length).toBeGreaterThanOrEqual(1);
  expect(log.some((line) => line.msg === "buffered question records written")).toBe(true);
  expect(lines.join("")).not.toContain(cluster.password);
});

it("drops the oldest waiting records past the buffer's capacity and says how many", async () => {
  const url = await cluster.createDatabase();
  const captured = capturedLogger();
  const small = await openPostgresStateStore({ databaseUrl: url, logger: captured.logger, probeIntervalMs: 100, pendingCapacity: 2, connectTimeoutMs: 1000 });
  try {
    const now = Date.now();
    await cluster.stop();
    for (const answerId of ["r1", "r2", "r3", "r4"]) await small.recordQuestion(record(answerId, now));
    await cluster.start();
    await waitFor(() => small.health().state === "ok");
    expect(await small.findAnswer("r1")).toBeUndefined();
    expect((await small.findAnswer("r4"))?.answerId).toBe("r4");
    const written = captured.lines.map((line) => JSON.parse(line) as { msg: string; written?: number; droppedWhileFull?: number });
    expect(written.find((line) => line.msg === "buffered question records written")).toMatchObject({ written: 2, droppedWhileFull: 2 });
    expect(written.some((line) => line.msg.startsWith("question-log buffer full"))).toBe(true);
  } finally {
    await small.close();
  }
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
