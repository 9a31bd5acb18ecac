/**
 * What only the SQLite store does: its migrations, WAL mode and one file in DATA_DIR. Everything
 * dialect-neutral (the question log, votes, sessions, memory, dedupe) is in the contract suites
 * that test/state/sqlite-shared-state.test.ts runs here and test/postgres/ runs on PostgreSQL.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { questionGroupKey } from "../../src/state/question-group-key.js";
import { STATE_MIGRATIONS } from "../../src/state/sqlite-migrations.js";
import { openSqliteStateStore, runMigrations, SqliteStateStore, STATE_FILE_NAME } from "../../src/state/sqlite-state-store.js";
import type { QuestionRecord } from "../../src/state/state-store.js";

const NOW = Date.UTC(2026, 5, 15, 12);

function record(text: string, overrides: Partial<QuestionRecord> = {}): QuestionRecord {
  return {
    answerId: `answer-${text}`,
    text,
    groupKey: questionGroupKey(text),
    platform: "web",
    chatKind: "private",
    conversationHash: "c0ffee",
    answered: false,
    scores: [],
    citedSourceIds: [],
    latencyMs: 1,
    askedAt: NOW,
    ...overrides,
  };
}

let dataDir: string;
let store: SqliteStateStore;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-state-"));
  store = openSqliteStateStore({ dataDir });
});

afterEach(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("migrations", () => {
  it("run once: a second open applies nothing and keeps the data", async () => {
    await store.recordQuestion(record("宝宝湿疹怎么护理"));
    await store.close();
    store = openSqliteStateStore({ dataDir });
    expect(runMigrations(store.database)).toEqual([]);
    const versions = store.database.prepare("SELECT version FROM schema_migrations").all();
    expect(versions).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }]);
    expect(await store.listQuestions({ filter: "all", days: 7, now: NOW })).toHaveLength(1);
    expect(store.database.pragma("journal_mode", { simple: true })).toBe("wal");
  });

  it("a fresh database gets every migration, in order", () => {
    const database = new Database(":memory:");
    expect(runMigrations(database)).toEqual([1, 2, 3, 4, 5]);
    expect(runMigrations(database)).toEqual([]);
    database.close();
  });

  it("a store written before the missing-subject column keeps its questions and takes the column", async () => {
    const database = new Database(":memory:");
    database.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    for (const migration of STATE_MIGRATIONS.filter((migration) => migration.version <= 2)) {
      database.exec(migration.sql);
      database.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)").run(migration.version);
    }
    // What a version-2 store wrote for one unanswered question.
    const day = Math.floor(NOW / 86_400_000);
    database.exec(`INSERT INTO questions (answer_id, group_key, text, platform, chat_kind, conversation_hash, answered, scores, cited_source_ids, latency_ms, asked_at, day)
      VALUES ('old', '旧的问题', '旧的问题', 'web', 'private', 'c0ffee', 0, '[]', '[]', 1, ${NOW - 1000}, ${day});
      INSERT INTO question_groups VALUES ('旧的问题', '旧的问题', 1, 1, 0, 0, ${NOW - 1000}, 1, 4, NULL);
      INSERT INTO question_group_days VALUES ('旧的问题', ${day}, 1, 1, 0, 0, ${NOW - 1000}, 4);
      INSERT INTO question_days VALUES (${day}, 1, 0, 0, 0);`);
    expect(runMigrations(database)).toEqual([3, 4, 5]);
    const upgraded = new SqliteStateStore(database);
    await upgraded.recordQuestion(record("新的问题", { missingSubject: "新" }));
    const groups = await upgraded.listQuestions({ filter: "unanswered", days: 7, now: NOW });
    expect(groups.map((group) => [group.text, group.missingSubject])).toEqual([
      ["新的问题", "新"],
      ["旧的问题", undefined],
    ]);
    database.close();
  });

  it("a store written before the asked-by column keeps its answers, and a vote on one of them is anyone's", async () => {
    const database = new Database(":memory:");
    database.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    for (const migration of STATE_MIGRATIONS.filter((migration) => migration.version <= 3)) {
      database.exec(migration.sql);
      database.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)").run(migration.version);
    }
    // What a version-3 store wrote for one question: no asker.
    const day = Math.floor(NOW / 86_400_000);
    database.exec(`INSERT INTO questions (answer_id, group_key, text, platform, chat_kind, conversation_hash, answered, scores, cited_source_ids, latency_ms, asked_at, day)
      VALUES ('old', '旧的问题', '旧的问题', 'web', 'private', 'c0ffee', 0, '[]', '[]', 1, ${NOW - 1000}, ${day});
      INSERT INTO question_groups (group_key, text, asked, unanswered, upvotes, downvotes, last_asked_at, last_no_answer, platforms) VALUES ('旧的问题', '旧的问题', 1, 1, 0, 0, ${NOW - 1000}, 1, 4);
      INSERT INTO question_group_days VALUES ('旧的问题', ${day}, 1, 1, 0, 0, ${NOW - 1000}, 4);
      INSERT INTO question_days VALUES (${day}, 1, 0, 0, 0);`);
    expect(runMigrations(database)).toEqual([4, 5]);
    const upgraded = new SqliteStateStore(database);
    expect(await upgraded.recordVote({ answerId: "old", voter: "web:someone", rating: "down", at: NOW, onlyAsker: true })).toBe(true);
    await upgraded.recordQuestion(record("新的问题", { answerId: "new", askedBy: "web:asker" }));
    expect(await upgraded.recordVote({ answerId: "new", voter: "web:someone", rating: "down", at: NOW, onlyAsker: true })).toBe(false);
    expect(await upgraded.recordVote({ answerId: "new", voter: "web:asker", rating: "down", at: NOW, onlyAsker: true })).toBe(true);
    database.close();
  });
});

describe("the file", () => {
  it("holds a hash of an admin session's token, never the token", async () => {
    const token = "session-token-that-must-not-be-stored";
    await store.createAdminSession(token, { createdAt: NOW, expiresAt: NOW + 1000 });
    store.database.pragma("wal_checkpoint(TRUNCATE)");
    expect((await readFile(path.join(dataDir, STATE_FILE_NAME))).includes(token)).toBe(false);
    expect(await store.findAdminSession(token, NOW)).toBeDefined();
  });

  it("cannot be opened in a folder that cannot be created, with an error that names DATA_DIR", () => {
    expect(() => openSqliteStateStore({ dataDir: path.join(dataDir, STATE_FILE_NAME, "below-a-file") })).toThrow(
      expect.objectContaining({ code: "DATA_DIR_UNWRITABLE", hint: expect.stringContaining("DATA_DIR") }),
    );
  });
});
