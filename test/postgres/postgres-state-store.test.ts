/**
 * The PostgreSQL store on a real server: the whole contract SQLite passes (with a second store on
 * the same database standing in for a second replica), then what only PostgreSQL does: migrations
 * raced by many replicas, advisory locks freed when their connection dies, and what the store
 * keeps and reports while the server is down.
 */
import { describe, expect, it } from "vitest";
import { openPostgresStateStore, type PostgresStateStore } from "../../src/state/postgres-state-store.js";
import { runPostgresMigrations, POSTGRES_MIGRATIONS } from "../../src/state/postgres-migrations.js";
import { groupsInWindow } from "../../src/state/postgres-question-sql.js";
import { describePendingDeliveriesContract } from "../state/support/pending-deliveries-contract.js";
import { describeStateRecordsContract } from "../state/support/state-records-contract.js";
import { describeSharedStateContract } from "../state/support/state-store-contract.js";
import { capturedLogger, emptyTables, useTestDatabase } from "./support/test-database.js";

const database = useTestDatabase();

async function openStore(): Promise<PostgresStateStore> {
  return openPostgresStateStore({ databaseUrl: database.get().url, logger: capturedLogger().logger });
}

async function openEmpty(): Promise<PostgresStateStore> {
  const store = await openStore();
  await emptyTables(database.get().admin);
  return store;
}

describeSharedStateContract("postgres", { open: openEmpty, openAnother: openStore });

describePendingDeliveriesContract("postgres", { open: openEmpty, openAnother: openStore });

describeStateRecordsContract("postgres", {
  open: openEmpty,
  countRows: async (_store, table) =>
    (await database.get().admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows.map((row) => Number(row.n))[0]!,
});

describe("postgres: what only PostgreSQL does", () => {
  it("keeps a hash of an admin session's token, never the token", async () => {
    const store = await openEmpty();
    try {
      const token = "session-token-that-must-not-be-stored";
      await store.createAdminSession(token, { createdAt: 1, expiresAt: Date.now() + 60_000 });
      const { rows } = await database.get().admin.query<{ token_hash: string }>("SELECT token_hash FROM admin_sessions");
      expect(rows).toHaveLength(1);
      expect(rows[0]!.token_hash).not.toContain(token);
      expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await store.close();
    }
  });

  it("a record written twice (its reply lost with the connection) counts once", async () => {
    const store = await openEmpty();
    try {
      const record = {
        answerId: "same",
        text: "问题",
        groupKey: "问题",
        platform: "web" as const,
        chatKind: "private" as const,
        conversationHash: "c",
        answered: true,
        scores: [0.5],
        citedSourceIds: ["a.md", "a.md"],
        latencyMs: 1,
        askedAt: Date.now(),
      };
      await store.recordQuestion(record);
      await store.recordQuestion(record);
      const stats = await store.questionStats({ days: 1 });
      expect(stats).toMatchObject({ asked: 1, answered: 1, topSources: [{ sourceId: "a.md", count: 1 }] });
      expect((await store.listQuestions({ filter: "all", days: 1 }))[0]!.count).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("two replicas recording and voting at once keep exact totals", async () => {
    const first = await openEmpty();
    const second = await openStore();
    try {
      // Midday: every ask falls on one UTC day.
      const now = Date.UTC(2026, 5, 15, 12);
      const record = (index: number) => ({
        answerId: `parallel-${index}`,
        text: "同时问的问题",
        groupKey: "同时问的问题",
        platform: index % 2 === 0 ? ("web" as const) : ("wecom" as const),
        chatKind: "private" as const,
        conversationHash: "c",
        answered: index % 3 !== 0,
        scores: [0.5],
        citedSourceIds: index % 3 !== 0 ? ["b.md", "a.md"] : [],
        latencyMs: 1,
        askedAt: now - index,
      });
      await Promise.all(Array.from({ length: 120 }, (_, index) => (index % 2 === 0 ? first : second).recordQuestion(record(index))));
      // The same voter pressing both buttons on both replicas at once ends with one vote.
      await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          (index % 2 === 0 ? first : second).recordVote({ answerId: "parallel-1", voter: "web:same", rating: index % 2 === 0 ? "up" : "down", at: now }),
        ),
      );
      const [group] = await second.listQuestions({ filter: "all", days: 1, now });
      expect(group).toMatchObject({ count: 120, noAnswerCount: 40 });
      expect(group!.upvotes + group!.downvotes).toBe(1);
      expect(group!.platforms.sort()).toEqual(["web", "wecom"]);
      const stats = await first.questionStats({ days: 1, now });
      expect(stats).toMatchObject({ asked: 120, answered: 80 });
      expect(stats.upvotes + stats.downvotes).toBe(1);
      expect(stats.topSources).toEqual([
        { sourceId: "a.md", count: 80 },
        { sourceId: "b.md", count: 80 },
      ]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("a window's queue read a batch at a time is the one the single query over the window gives", async () => {
    const store = await openPostgresStateStore({ databaseUrl: database.get().url, logger: capturedLogger().logger, windowBatchSize: 3 });
    await emptyTables(database.get().admin);
    try {
      const now = Date.UTC(2026, 5, 15, 12);
      let seed = 7;
      const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
      // Two shapes: a long tail (few batches suffice) and asks spread evenly (the whole window is added up).
      for (const [shape, power] of [
        ["tail", 3],
        ["even", 0.2],
      ] as const) {
        await emptyTables(database.get().admin);
        for (let index = 0; index < 400; index++) {
          const which = Math.floor(40 * random() ** power);
          const answered = random() < 0.6;
          await store.recordQuestion({
            answerId: `${shape}-${index}`,
            text: `问题${which}`,
            groupKey: `问题${which}`,
            platform: (["web", "telegram", "wecom"] as const)[index % 3]!,
            chatKind: "private",
            conversationHash: "c",
            answered,
            scores: [0.5],
            citedSourceIds: answered ? [`s${which % 4}.md`] : [],
            latencyMs: 1,
            askedAt: now - Math.floor(random() * 20 * 86_400_000) - index,
          });
          if (index % 7 === 0) await store.recordVote({ answerId: `${shape}-${index}`, voter: "web:v", rating: index % 2 ? "down" : "up", at: now });
        }
        for (const filter of ["all", "unanswered", "downvoted"] as const) {
          for (const days of [3, 7, 15]) {
            for (const limit of [5, 100]) {
              const firstDay = Math.floor(now / 86_400_000) - days + 1;
              const reference = (await database.get().admin.query(groupsInWindow(filter), [firstDay, limit])).rows.map((row) => ({
                text: row.text as string,
                count: Number(row.asked),
                lastAskedAt: Number(row.last_asked_at),
                downvotes: Number(row.downvotes),
              }));
              const listed = (await store.listQuestions({ filter, days, limit, now })).map(({ text, count, lastAskedAt, downvotes }) => ({
                text,
                count,
                lastAskedAt,
                downvotes,
              }));
              expect(listed, `${shape} ${filter} ${days} days, ${limit}`).toEqual(reference);
            }
          }
        }
      }
    } finally {
      await store.close();
    }
  });

  it("text with NUL characters is stored without them instead of failing", async () => {
    const store = await openEmpty();
    try {
      await store.writeConversation("web:nul", [{ question: "a\u0000b", resolvedQuestion: "ab", citedSourceIds: [], at: 1, answerId: "x" }], Date.now());
      expect((await store.readConversation("web:nul", 0))[0]!.question).toBe("ab");
    } finally {
      await store.close();
    }
  });

  it("migrations from many stores opened at the same moment run once", async () => {
    const { admin } = database.get();
    await admin.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    const opened = await Promise.all(Array.from({ length: 6 }, () => openStore()));
    try {
      const { rows } = await admin.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((row) => row.version)).toEqual(POSTGRES_MIGRATIONS.map((migration) => migration.version));
      expect(await runPostgresMigrations(opened[0]!.pool)).toEqual([]);
      // Every store works on the one schema.
      await Promise.all(opened.map((store, index) => store.claim("wecom-msgid", `m${index}`, 60_000)));
      expect((await admin.query<{ n: string }>("SELECT count(*) AS n FROM dedupe")).rows[0]!.n).toBe("6");
    } finally {
      await Promise.all(opened.map((store) => store.close()));
    }
  });

  it("a lock held by a store whose connection is killed is lost to it and free for another", async () => {
    const holder = await openEmpty();
    const other = await openStore();
    try {
      const lock = await holder.tryLock("reindex");
      expect(lock).toBeDefined();
      expect(await other.tryLock("reindex")).toBeUndefined();
      const { admin } = database.get();
      // The lock's session is the one backend holding an advisory lock.
      const killed = await admin.query<{ killed: boolean }>(
        "SELECT pg_terminate_backend(pid) AS killed FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      );
      expect(killed.rows).toEqual([{ killed: true }]);
      await waitFor(() => lock!.lost.aborted);
      expect(lock!.lost.reason).toMatchObject({ code: "STATE_STORE_UNAVAILABLE" });
      const taken = await waitForValue(() => other.tryLock("reindex"));
      await taken.release();
      await lock!.release();
    } finally {
      await holder.close();
      await other.close();
    }
  });

  it("never logs the connection string or its password", async () => {
    const { logger, lines } = capturedLogger();
    const url = new URL(database.get().url);
    const store = await openPostgresStateStore({ databaseUrl: url.toString(), logger });
    await store.close();
    const wrong = new URL(url);
    wrong.password = "not-the-password-9f8e7d";
    await expect(openPostgresStateStore({ databaseUrl: wrong.toString(), logger })).rejects.toMatchObject({ code: "STATE_STORE_UNAVAILABLE" });
    const text = lines.join("");
    expect(text).not.toContain(url.password);
    expect(text).not.toContain("not-the-password-9f8e7d");
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitForValue<Value>(attempt: () => Promise<Value | undefined>, timeoutMs = 10_000): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for a value");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
