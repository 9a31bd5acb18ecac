/**
 * The question log's group commit on a real server: records that arrive together are written in
 * fewer statements than records, with the same totals SQLite keeps for the same asks; each record's
 * promise settles only once it is committed, so a vote on another store (another replica) finds it
 * at once; a vote under steady load does not wait for a lull; a record the database refuses costs
 * only itself; closing writes what is in flight.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openPostgresStateStore, type PostgresStateStore } from "../../src/state/postgres-state-store.js";
import { questionGroupKey } from "../../src/state/question-group-key.js";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";
import type { QuestionRecord, StateStore } from "../../src/state/state-store.js";
import { capturedLogger, emptyTables, useTestDatabase } from "./support/test-database.js";

const database = useTestDatabase();
const NOW = Date.UTC(2026, 11, 2, 12);
const DAY = 86_400_000;

async function openStore(logger = capturedLogger().logger): Promise<PostgresStateStore> {
  return openPostgresStateStore({ databaseUrl: database.get().url, logger });
}

async function openEmpty(): Promise<PostgresStateStore> {
  const store = await openStore();
  await emptyTables(database.get().admin);
  return store;
}

/** How many statements the store's pool is asked to run from now on. */
function countStatements(store: PostgresStateStore): { readonly count: number } {
  const counter = { count: 0 };
  const query = store.pool.query.bind(store.pool) as (...args: unknown[]) => unknown;
  (store.pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    counter.count++;
    return query(...args);
  };
  return counter;
}

function record(index: number, overrides: Partial<QuestionRecord> = {}): QuestionRecord {
  // Seven wordings over three days and three platforms, a third unanswered, sources cited in varying sets.
  const text = ["医保卡丢了怎么办", "五指山在哪个省", "宝宝湿疹怎么护理", "宝宝湿疹怎么护理？", "亲情账户", "跨市使用", "挂失"][index % 7]!;
  const answered = index % 3 !== 0;
  return {
    answerId: `answer-${index}`,
    text,
    groupKey: questionGroupKey(text),
    platform: (["web", "telegram", "wecom"] as const)[index % 3]!,
    chatKind: index % 2 === 0 ? "private" : "group",
    conversationHash: `c${index % 11}`,
    answered,
    scores: [0.5, 0.25],
    citedSourceIds: answered ? [`source-${index % 5}.md`, `source-${(index + 1) % 4}.md`, `source-${index % 5}.md`] : [],
    latencyMs: 3.5,
    // In order of asking, as answers reach the log; three days.
    askedAt: NOW - (2 - Math.floor((index * 3) / 150)) * DAY + index * 1000,
    ...overrides,
  };
}

async function everything(store: StateStore) {
  const lists = [];
  for (const filter of ["all", "unanswered", "downvoted"] as const) {
    for (const days of [1, 2, 30]) lists.push(await store.listQuestions({ filter, days, now: NOW + DAY / 2, limit: 50 }));
  }
  return { lists, stats: await store.questionStats({ days: 30, now: NOW + DAY / 2 }) };
}

describe("postgres: the question log's group commit", () => {
  it("records arriving together go in fewer statements than records, with the totals SQLite keeps for the same asks", async () => {
    const store = await openEmpty();
    const work = await mkdtemp(path.join(os.tmpdir(), "kb-batches-"));
    const sqlite = openSqliteStateStore({ dataDir: work });
    try {
      const records = Array.from({ length: 150 }, (_, index) => record(index));
      const statements = countStatements(store);
      await Promise.all(records.map((each) => store.recordQuestion(each)));
      expect(statements.count).toBeGreaterThan(0);
      expect(statements.count).toBeLessThan(records.length / 2);
      for (const each of records) await sqlite.recordQuestion(each);
      // Votes on both, so the downvoted filter and the vote totals are compared too.
      for (const index of [0, 4, 9, 30, 100]) {
        for (const each of [store, sqlite]) {
          await each.recordVote({ answerId: `answer-${index}`, voter: "web:v", rating: index % 2 === 0 ? "down" : "up", at: NOW });
        }
      }
      const fromPostgres = await everything(store);
      expect(fromPostgres.stats.asked).toBe(150);
      expect(fromPostgres).toEqual(await everything(sqlite));
    } finally {
      await store.close();
      await sqlite.close();
      await rm(work, { recursive: true, force: true });
    }
  });

  it("a record's promise settles once it is committed: a vote on another replica's store finds it at once", async () => {
    const answering = await openEmpty();
    const voting = await openStore();
    try {
      const results = await Promise.all(
        Array.from({ length: 60 }, async (_, index) => {
          await answering.recordQuestion(record(index, { askedAt: NOW + index }));
          return voting.recordVote({ answerId: `answer-${index}`, voter: "telegram:1", rating: "up", at: NOW });
        }),
      );
      expect(results.every(Boolean)).toBe(true);
      expect((await voting.questionStats({ days: 1, now: NOW })).upvotes).toBe(60);
    } finally {
      await answering.close();
      await voting.close();
    }
  });

  it("a vote while records keep arriving waits for the records before it, not for a lull", async () => {
    const store = await openEmpty();
    try {
      await store.recordQuestion(record(0));
      // Eight askers that never pause until 1,500 records are in.
      let started = 1;
      let written = 0;
      const askers = Array.from({ length: 8 }, async () => {
        while (started < 1500) {
          await store.recordQuestion(record(started++));
          written++;
        }
      });
      await store.recordQuestion(record(started++));
      expect(await store.recordVote({ answerId: "answer-0", voter: "web:v", rating: "up", at: NOW })).toBe(true);
      const writtenAtVote = written;
      await Promise.all(askers);
      expect(writtenAtVote).toBeLessThan(written);
    } finally {
      await store.close();
    }
  });

  it("a record the database refuses costs only itself, never the others of its batch", async () => {
    const store = await openEmpty();
    try {
      // A clock gone wrong: the time and its day are out of their columns' range.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, index) => store.recordQuestion(record(index, index === 7 ? { askedAt: 1e20 } : {}))),
      );
      expect(outcomes.filter((outcome) => outcome.status === "rejected")).toHaveLength(1);
      expect(outcomes[7]!.status).toBe("rejected");
      expect(await store.findAnswer("answer-7")).toBeUndefined();
      expect((await store.questionStats({ days: 30, now: NOW + DAY })).asked).toBe(29);
      expect(store.health().state).toBe("ok");
    } finally {
      await store.close();
    }
  });

  it("keeps a question with half a surrogate pair, as the text parameter did (U+FFFD)", async () => {
    const store = await openEmpty();
    try {
      await store.recordQuestion(record(1, { text: "五指山\uD800在哪", groupKey: "五指山\uD800在哪", citedSourceIds: ["a\uDC00.md"] }));
      expect((await store.findAnswer("answer-1"))?.text).toBe("五指山\uFFFD在哪");
      expect((await store.questionStats({ days: 30, now: NOW + DAY })).topSources).toEqual([{ sourceId: "a\uFFFD.md", count: 1 }]);
    } finally {
      await store.close();
    }
  });

  it("closing writes every record already handed to it", async () => {
    const store = await openEmpty();
    const pending = Array.from({ length: 80 }, (_, index) => store.recordQuestion(record(index)));
    await store.close();
    await Promise.all(pending);
    const { rows } = await database.get().admin.query<{ n: string }>("SELECT count(*) AS n FROM questions");
    expect(Number(rows[0]!.n)).toBe(80);
  });
});
