/**
 * The state store on SQLite (better-sqlite3 12; 13 needs Node 22): one file, `state.sqlite` in the
 * data folder, in WAL mode so readers never wait for the writer. Calls are synchronous underneath
 * (a write is tens of microseconds), wrapped in promises to honour the dialect-neutral interface.
 *
 * The admin queue must list quickly with a million logged questions, so the log keeps running
 * totals beside the rows: per normalized question (`question_groups`, ranked by an index), per
 * question and day (`question_group_days`, for windows shorter than everything kept), per day and
 * per cited source and day. Recording, voting and purging update them in the same transaction.
 */
import { accessSync, constants, mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { KnowledgeBotError } from "../core/errors.js";
import type { ConversationTurn, Platform } from "../core/types.js";
import { STATE_MIGRATIONS } from "./sqlite-migrations.js";
import { SqlitePendingDeliveries } from "./sqlite-pending-deliveries.js";
import { EventEmitter } from "node:events";
import {
  DEFAULT_KEPT_REINDEX_RUNS,
  DEFAULT_LIST_LIMIT,
  MAX_COUNTED_SOURCES,
  MAX_LIST_LIMIT,
  NOT_DISMISSED,
  dayLabel,
  dayNumber,
  platformBit,
  toGroup,
  missingSubjectOf,
  tokenHash,
  type GroupRow,
} from "./question-rows.js";
import {
  PENDING_DELIVERY_MAX_AGE_MS,
  type AcceptDeliveryInput,
  type AdminSession,
  type DeliveryIntake,
  type HeldLock,
  type PendingDelivery,
  type ReindexRun,
  type StateHealth,
  type DayStats,
  type LoggedAnswer,
  type QuestionFilter,
  type QuestionGroup,
  type QuestionListOptions,
  type QuestionRecord,
  type QuestionStats,
  type Rating,
  type StateStore,
  type Vote,
} from "./state-store.js";

export const STATE_FILE_NAME = "state.sqlite";

const filterClauses: Record<QuestionFilter, string> = {
  all: "1",
  unanswered: `g.last_no_answer = 1 AND ${NOT_DISMISSED}`,
  downvoted: `g.downvotes > 0 AND ${NOT_DISMISSED}`,
};

export interface SqliteStateStoreOptions {
  /** The data folder (config.dataDir); created when missing. `:memory:` for a throw-away store. */
  dataDir: string;
}

/** Opens (creating and migrating when needed) the store in `dataDir/state.sqlite`. */
export function openSqliteStateStore({ dataDir }: SqliteStateStoreOptions): SqliteStateStore {
  if (dataDir !== ":memory:") prepareDataDir(dataDir);
  let database: Database.Database;
  try {
    database = new Database(dataDir === ":memory:" ? ":memory:" : path.join(dataDir, STATE_FILE_NAME));
    database.pragma("journal_mode = WAL");
    // WAL with NORMAL: a power cut may lose the last transactions, never corrupt the file.
    database.pragma("synchronous = NORMAL");
    database.pragma("busy_timeout = 5000");
    database.pragma("foreign_keys = ON");
    runMigrations(database);
  } catch (error) {
    throw new KnowledgeBotError(
      "STATE_STORE_UNAVAILABLE",
      `The state store in ${dataDir} could not be opened: ${(error as Error).message}`,
      "Check that DATA_DIR names a writable folder on a local disk, with free space.",
      { cause: error },
    );
  }
  const store = new SqliteStateStore(database);
  // SQLite serves one replica: leases on deliveries belong to a process that has ended, and are taken at once.
  store.deliveries.voidLeases();
  return store;
}

/** A folder that cannot be made or written is the admin's to fix, so it gets its own code naming DATA_DIR. */
function prepareDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    throw new KnowledgeBotError(
      "DATA_DIR_UNWRITABLE",
      `the data folder ${dataDir} is not writable: ${(error as Error).message}`,
      "Set DATA_DIR to a folder this user may write, or fix its owner and permissions.",
      { cause: error },
    );
  }
}

/** Applies each numbered migration not yet recorded in `schema_migrations`, once, in order. */
export function runMigrations(database: Database.Database): number[] {
  database.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const applied = new Set(
    database
      .prepare<[], { version: number }>("SELECT version FROM schema_migrations")
      .all()
      .map((row) => row.version),
  );
  const ran: number[] = [];
  for (const migration of STATE_MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    // IMMEDIATE: a second process starting at the same moment waits here, then sees it applied.
    database
      .transaction(() => {
        const already = database.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(migration.version);
        if (already) return;
        database.exec(migration.sql);
        database.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(migration.version, Date.now());
        ran.push(migration.version);
      })
      .immediate();
  }
  return ran;
}

export class SqliteStateStore implements StateStore {
  readonly database: Database.Database;
  readonly deliveries: SqlitePendingDeliveries;
  private readonly statements;
  private readonly recordTransaction;
  private readonly voteTransaction;
  private readonly purgeTransaction;
  private closed = false;
  private readonly heldLocks = new Map<string, AbortController>();
  private readonly announcements = new EventEmitter().setMaxListeners(0);

  constructor(database: Database.Database) {
    this.database = database;
    this.deliveries = new SqlitePendingDeliveries(database);
    database.aggregate("bit_or", { start: 0, step: (total: number, value: number) => total | value });
    const db = database;
    this.statements = {
      insertQuestion: db.prepare(
        `INSERT INTO questions (answer_id, group_key, text, platform, chat_kind, conversation_hash, answered, scores, cited_source_ids, latency_ms, asked_at, day, missing_subject, asked_by)
         VALUES (@answerId, @groupKey, @text, @platform, @chatKind, @conversationHash, @answered, @scores, @citedSourceIds, @latencyMs, @askedAt, @day, @missingSubject, @askedBy)`,
      ),
      upsertGroupDay: db.prepare(
        `INSERT INTO question_group_days (group_key, day, asked, unanswered, upvotes, downvotes, last_asked_at, platforms)
         VALUES (@groupKey, @day, 1, @unanswered, 0, 0, @askedAt, @platformBit)
         ON CONFLICT (group_key, day) DO UPDATE SET asked = asked + 1, unanswered = unanswered + excluded.unanswered,
           last_asked_at = max(last_asked_at, excluded.last_asked_at), platforms = platforms | excluded.platforms`,
      ),
      upsertGroup: db.prepare(
        `INSERT INTO question_groups (group_key, text, asked, unanswered, upvotes, downvotes, last_asked_at, last_no_answer, platforms, top_source, missing_subject)
         VALUES (@groupKey, @text, 1, @unanswered, 0, 0, @askedAt, @unanswered, @platformBit, @topSource, @missingSubject)
         ON CONFLICT (group_key) DO UPDATE SET
           asked = asked + 1,
           unanswered = unanswered + excluded.unanswered,
           platforms = platforms | excluded.platforms,
           text = CASE WHEN excluded.last_asked_at >= last_asked_at THEN excluded.text ELSE text END,
           last_no_answer = CASE WHEN excluded.last_asked_at >= last_asked_at THEN excluded.last_no_answer ELSE last_no_answer END,
           top_source = CASE WHEN excluded.top_source IS NOT NULL AND excluded.last_asked_at >= last_asked_at THEN excluded.top_source ELSE top_source END,
           missing_subject = CASE WHEN excluded.last_asked_at >= last_asked_at THEN excluded.missing_subject ELSE missing_subject END,
           last_asked_at = max(last_asked_at, excluded.last_asked_at)`,
      ),
      upsertDay: db.prepare(
        `INSERT INTO question_days (day, asked, answered, upvotes, downvotes) VALUES (@day, 1, @answered, 0, 0)
         ON CONFLICT (day) DO UPDATE SET asked = asked + 1, answered = answered + excluded.answered`,
      ),
      upsertSourceDay: db.prepare(
        `INSERT INTO source_days (source_id, day, cited) VALUES (?, ?, 1) ON CONFLICT (source_id, day) DO UPDATE SET cited = cited + 1`,
      ),
      findAnswer: db.prepare<
        [string],
        { answer_id: string; group_key: string; text: string; platform: Platform; answered: number; asked_at: number; day: number; asked_by: string | null }
      >("SELECT answer_id, group_key, text, platform, answered, asked_at, day, asked_by FROM questions WHERE answer_id = ?"),
      findVote: db.prepare<[string, string], { rating: Rating }>("SELECT rating FROM feedback WHERE answer_id = ? AND voter = ?"),
      upsertVote: db.prepare(
        `INSERT INTO feedback (answer_id, voter, rating, comment, at) VALUES (@answerId, @voter, @rating, @comment, @at)
         ON CONFLICT (answer_id, voter) DO UPDATE SET rating = excluded.rating, comment = coalesce(excluded.comment, comment), at = excluded.at`,
      ),
      groupsInOrder: (filter: QuestionFilter) =>
        db.prepare<[number, number], GroupRow>(
          `SELECT * FROM question_groups g WHERE ${filterClauses[filter]} AND last_asked_at >= ? ORDER BY asked DESC, last_asked_at DESC LIMIT ?`,
        ),
      dismiss: db.prepare("UPDATE question_groups SET dismissed_at = ? WHERE group_key = ?"),
      oldestDay: db.prepare<[], { day: number | null }>("SELECT min(day) AS day FROM question_days"),
      insertSession: db.prepare("INSERT OR REPLACE INTO admin_sessions (token_hash, created_at, expires_at) VALUES (?, ?, ?)"),
      findSession: db.prepare<[string, number], { created_at: number; expires_at: number }>(
        "SELECT created_at, expires_at FROM admin_sessions WHERE token_hash = ? AND expires_at > ?",
      ),
      deleteSession: db.prepare("DELETE FROM admin_sessions WHERE token_hash = ?"),
      readConversation: db.prepare<[string, number], { turns: string }>("SELECT turns FROM conversations WHERE conversation_key = ? AND updated_at >= ?"),
      writeConversation: db.prepare(
        `INSERT INTO conversations (conversation_key, turns, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (conversation_key) DO UPDATE SET turns = excluded.turns, updated_at = excluded.updated_at`,
      ),
      deleteConversation: db.prepare("DELETE FROM conversations WHERE conversation_key = ?"),
      putIfAbsent: db.prepare(
        `INSERT INTO shared_values (kind, key, value, expires_at) VALUES (@kind, @key, @value, @expiresAt)
         ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE shared_values.expires_at <= @now`,
      ),
      putValue: db.prepare(
        `INSERT INTO shared_values (kind, key, value, expires_at) VALUES (@kind, @key, @value, @expiresAt)
         ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      ),
      getValue: db.prepare<[string, string, number], { value: string }>("SELECT value FROM shared_values WHERE kind = ? AND key = ? AND expires_at > ?"),
      countHit: db.prepare<{ kind: string; key: string; resetAt: number; now: number }, { count: number; reset_at: number }>(
        `INSERT INTO hit_counters (kind, key, count, reset_at) VALUES (@kind, @key, 1, @resetAt)
         ON CONFLICT (kind, key) DO UPDATE SET
           count = CASE WHEN hit_counters.reset_at <= @now THEN 1 ELSE hit_counters.count + 1 END,
           reset_at = CASE WHEN hit_counters.reset_at <= @now THEN excluded.reset_at ELSE hit_counters.reset_at END
         RETURNING count, reset_at`,
      ),
      peekHits: db.prepare<[string, string, number], { count: number; reset_at: number }>(
        "SELECT count, reset_at FROM hit_counters WHERE kind = ? AND key = ? AND reset_at > ?",
      ),
      uncountHit: db.prepare<[string, string, number]>("UPDATE hit_counters SET count = max(count - 1, 0) WHERE kind = ? AND key = ? AND reset_at > ?"),
      insertReindexRun: db.prepare("INSERT INTO reindex_runs (finished_at, ok, reason, summary, error) VALUES (?, ?, ?, ?, ?)"),
      trimReindexRuns: db.prepare("DELETE FROM reindex_runs WHERE id NOT IN (SELECT id FROM reindex_runs ORDER BY finished_at DESC, id DESC LIMIT ?)"),
      listReindexRuns: db.prepare<[number], { finished_at: number; ok: number; reason: string | null; summary: string | null; error: string | null }>(
        "SELECT finished_at, ok, reason, summary, error FROM reindex_runs ORDER BY finished_at DESC, id DESC LIMIT ?",
      ),
      claim: db.prepare(
        `INSERT INTO dedupe (kind, id, expires_at) VALUES (@kind, @id, @expiresAt)
         ON CONFLICT (kind, id) DO UPDATE SET expires_at = excluded.expires_at WHERE dedupe.expires_at <= @now`,
      ),
      confirmClaim: db.prepare(
        `INSERT INTO dedupe (kind, id, expires_at) VALUES (@kind, @id, @expiresAt)
         ON CONFLICT (kind, id) DO UPDATE SET expires_at = max(dedupe.expires_at, excluded.expires_at)`,
      ),
    };
    const adjustVotes = {
      question: db.prepare("UPDATE questions SET upvotes = upvotes + @up, downvotes = downvotes + @down WHERE answer_id = @answerId"),
      groupDay: db.prepare("UPDATE question_group_days SET upvotes = upvotes + @up, downvotes = downvotes + @down WHERE group_key = @groupKey AND day = @day"),
      group: db.prepare("UPDATE question_groups SET upvotes = upvotes + @up, downvotes = downvotes + @down WHERE group_key = @groupKey"),
      day: db.prepare("UPDATE question_days SET upvotes = upvotes + @up, downvotes = downvotes + @down WHERE day = @day"),
    };

    this.recordTransaction = db.transaction((record: QuestionRecord) => {
      const day = dayNumber(record.askedAt);
      const unanswered = record.answered ? 0 : 1;
      const citedSourceIds = record.citedSourceIds.slice(0, MAX_COUNTED_SOURCES);
      const missingSubject = missingSubjectOf(record);
      this.statements.insertQuestion.run({
        answerId: record.answerId,
        groupKey: record.groupKey,
        text: record.text,
        platform: record.platform,
        chatKind: record.chatKind,
        conversationHash: record.conversationHash,
        answered: record.answered ? 1 : 0,
        scores: JSON.stringify(record.scores.slice(0, MAX_COUNTED_SOURCES)),
        citedSourceIds: JSON.stringify(citedSourceIds),
        latencyMs: record.latencyMs,
        askedAt: record.askedAt,
        day,
        missingSubject,
        askedBy: record.askedBy ?? null,
      });
      const groupValues = { groupKey: record.groupKey, day, unanswered, askedAt: record.askedAt, platformBit: platformBit(record.platform) };
      this.statements.upsertGroupDay.run(groupValues);
      this.statements.upsertGroup.run({ ...groupValues, text: record.text, topSource: record.answered ? (citedSourceIds[0] ?? null) : null, missingSubject });
      this.statements.upsertDay.run({ day, answered: record.answered ? 1 : 0 });
      for (const sourceId of new Set(citedSourceIds)) this.statements.upsertSourceDay.run(sourceId, day);
    });

    this.voteTransaction = db.transaction((vote: Vote): boolean => {
      const answer = this.statements.findAnswer.get(vote.answerId);
      if (!answer) return false;
      if (vote.onlyAsker && answer.asked_by !== null && answer.asked_by !== vote.voter) return false;
      const previous = this.statements.findVote.get(vote.answerId, vote.voter)?.rating;
      this.statements.upsertVote.run({ answerId: vote.answerId, voter: vote.voter, rating: vote.rating, comment: vote.comment ?? null, at: vote.at });
      if (previous === vote.rating) return true;
      const up = (vote.rating === "up" ? 1 : 0) - (previous === "up" ? 1 : 0);
      const down = (vote.rating === "down" ? 1 : 0) - (previous === "down" ? 1 : 0);
      const values = { up, down, answerId: vote.answerId, groupKey: answer.group_key, day: answer.day };
      for (const statement of Object.values(adjustVotes)) statement.run(values);
      return true;
    });

    this.purgeTransaction = db.transaction((before: number): number => {
      // Take what the purged rows added out of the running totals, then drop the rows.
      const parts = db
        .prepare<[number], { group_key: string; day: number; asked: number; unanswered: number; upvotes: number; downvotes: number; answered: number }>(
          `SELECT group_key, day, count(*) AS asked, sum(answered = 0) AS unanswered, sum(answered) AS answered, sum(upvotes) AS upvotes, sum(downvotes) AS downvotes
           FROM questions WHERE asked_at < ? GROUP BY group_key, day`,
        )
        .all(before);
      if (parts.length === 0) return 0;
      const subtractGroupDay = db.prepare(
        `UPDATE question_group_days SET asked = asked - @asked, unanswered = unanswered - @unanswered, upvotes = upvotes - @upvotes, downvotes = downvotes - @downvotes
         WHERE group_key = @group_key AND day = @day`,
      );
      const subtractGroup = db.prepare(
        `UPDATE question_groups SET asked = asked - @asked, unanswered = unanswered - @unanswered, upvotes = upvotes - @upvotes, downvotes = downvotes - @downvotes
         WHERE group_key = @group_key`,
      );
      const subtractDay = db.prepare(
        `UPDATE question_days SET asked = asked - @asked, answered = answered - @answered, upvotes = upvotes - @upvotes, downvotes = downvotes - @downvotes WHERE day = @day`,
      );
      let purged = 0;
      for (const part of parts) {
        subtractGroupDay.run(part);
        subtractGroup.run(part);
        subtractDay.run(part);
        purged += part.asked;
      }
      const citations = db
        .prepare<[number], { source_id: string; day: number; cited: number }>(
          `SELECT cited.value AS source_id, q.day AS day, count(DISTINCT q.answer_id) AS cited
           FROM questions q, json_each(q.cited_source_ids) cited WHERE q.asked_at < ? GROUP BY cited.value, q.day`,
        )
        .all(before);
      const subtractSourceDay = db.prepare("UPDATE source_days SET cited = cited - @cited WHERE source_id = @source_id AND day = @day");
      for (const citation of citations) subtractSourceDay.run(citation);
      db.prepare("DELETE FROM feedback WHERE answer_id IN (SELECT answer_id FROM questions WHERE asked_at < ?)").run(before);
      db.prepare("DELETE FROM questions WHERE asked_at < ?").run(before);
      db.exec(`DELETE FROM question_group_days WHERE asked <= 0;
               DELETE FROM question_groups WHERE asked <= 0;
               DELETE FROM question_days WHERE asked <= 0;
               DELETE FROM source_days WHERE cited <= 0;`);
      return purged;
    });
  }

  private use<Result>(action: () => Result): Promise<Result> {
    if (this.closed) return Promise.reject(new KnowledgeBotError("STATE_STORE_UNAVAILABLE", "The state store is closed.", "Open the store again."));
    try {
      return Promise.resolve(action());
    } catch (error) {
      return Promise.reject(
        new KnowledgeBotError("STATE_STORE_UNAVAILABLE", `The state store failed: ${(error as Error).message}`, "Check the disk under DATA_DIR.", {
          cause: error,
        }),
      );
    }
  }

  /** Many records in one transaction (imports, benchmarks); the same totals as one by one. */
  recordQuestionsInBulk(records: Iterable<QuestionRecord>): void {
    this.database.transaction(() => {
      for (const record of records) this.recordTransaction(record);
    })();
  }

  recordQuestion(record: QuestionRecord): Promise<void> {
    return this.use(() => {
      this.recordTransaction(record);
    });
  }

  listQuestions(options: QuestionListOptions): Promise<QuestionGroup[]> {
    return this.use(() => this.listNow(options));
  }

  private listNow({ filter, days, limit = DEFAULT_LIST_LIMIT, now = Date.now() }: QuestionListOptions): QuestionGroup[] {
    const rowLimit = Math.max(1, Math.min(MAX_LIST_LIMIT, Math.floor(limit)));
    const firstDay = dayNumber(now) - Math.max(1, Math.floor(days)) + 1;
    const oldest = this.statements.oldestDay.get()?.day;
    if (oldest === null || oldest === undefined) return [];
    if (firstDay <= oldest) {
      // The window holds everything kept: the running totals answer directly, in index order.
      return this.statements.groupsInOrder(filter).all(0, rowLimit).map(toGroup);
    }
    // A shorter window: add up the per-day totals of the days in it.
    const rows = this.database
      .prepare<[number, number], GroupRow>(
        `SELECT d.group_key, g.text, d.asked, d.unanswered, d.upvotes, d.downvotes, d.last_asked_at, g.last_no_answer, d.platforms, g.top_source, g.missing_subject
         FROM (SELECT group_key, sum(asked) AS asked, sum(unanswered) AS unanswered, sum(upvotes) AS upvotes, sum(downvotes) AS downvotes,
                      max(last_asked_at) AS last_asked_at, bit_or(platforms) AS platforms
               FROM question_group_days WHERE day >= ? GROUP BY group_key) d
         JOIN question_groups g ON g.group_key = d.group_key
         WHERE ${filter === "all" ? "1" : filter === "unanswered" ? `g.last_no_answer = 1 AND ${NOT_DISMISSED}` : `d.downvotes > 0 AND ${NOT_DISMISSED}`}
         ORDER BY d.asked DESC, d.last_asked_at DESC LIMIT ?`,
      )
      .all(firstDay, rowLimit);
    return rows.map(toGroup);
  }

  dismissQuestion(groupKey: string, at: number): Promise<boolean> {
    return this.use(() => this.statements.dismiss.run(at, groupKey).changes > 0);
  }

  questionStats({ days, now = Date.now() }: { days: number; now?: number }): Promise<QuestionStats> {
    return this.use(() => {
      const firstDay = dayNumber(now) - Math.max(1, Math.floor(days)) + 1;
      const dayRows = this.database
        .prepare<[number], { day: number; asked: number; answered: number; upvotes: number; downvotes: number }>(
          "SELECT day, asked, answered, upvotes, downvotes FROM question_days WHERE day >= ? ORDER BY day",
        )
        .all(firstDay);
      const perDay: DayStats[] = dayRows.map((row) => ({ ...row, day: dayLabel(row.day) }));
      const total = (field: "asked" | "answered" | "upvotes" | "downvotes") => dayRows.reduce((sum, row) => sum + row[field], 0);
      const topSources = this.database
        .prepare<[number], { sourceId: string; count: number }>(
          "SELECT source_id AS sourceId, sum(cited) AS count FROM source_days WHERE day >= ? GROUP BY source_id ORDER BY count DESC, source_id LIMIT 10",
        )
        .all(firstDay);
      return {
        days: perDay,
        asked: total("asked"),
        answered: total("answered"),
        upvotes: total("upvotes"),
        downvotes: total("downvotes"),
        topSources,
        topUnanswered: this.listNow({ filter: "unanswered", days, limit: 10, now }),
      };
    });
  }

  purgeQuestionsBefore(before: number): Promise<number> {
    return this.use(() => this.purgeTransaction(before));
  }

  purgeQuestionsBeyond(maxRows: number): Promise<number> {
    return this.use(() => {
      // The newest question past the cap: it and everything asked no later go (questions_asked_at serves the walk).
      const cutOff = this.database
        .prepare<[number], { asked_at: number }>("SELECT asked_at FROM questions ORDER BY asked_at DESC LIMIT 1 OFFSET ?")
        .get(maxRows);
      return cutOff ? this.purgeTransaction(cutOff.asked_at + 1) : 0;
    });
  }

  findAnswer(answerId: string): Promise<LoggedAnswer | undefined> {
    return this.use(() => {
      const row = this.statements.findAnswer.get(answerId);
      if (!row) return undefined;
      return { answerId: row.answer_id, groupKey: row.group_key, text: row.text, platform: row.platform, answered: row.answered === 1, askedAt: row.asked_at };
    });
  }

  recordVote(vote: Vote): Promise<boolean> {
    return this.use(() => this.voteTransaction(vote));
  }

  createAdminSession(token: string, session: AdminSession): Promise<void> {
    return this.use(() => {
      this.statements.insertSession.run(tokenHash(token), session.createdAt, session.expiresAt);
    });
  }

  findAdminSession(token: string, now = Date.now()): Promise<AdminSession | undefined> {
    return this.use(() => {
      const row = this.statements.findSession.get(tokenHash(token), now);
      return row ? { createdAt: row.created_at, expiresAt: row.expires_at } : undefined;
    });
  }

  deleteAdminSession(token: string): Promise<void> {
    return this.use(() => {
      this.statements.deleteSession.run(tokenHash(token));
    });
  }

  readConversation(conversationKey: string, notBefore: number): Promise<ConversationTurn[]> {
    return this.use(() => {
      const row = this.statements.readConversation.get(conversationKey, notBefore);
      return row ? (JSON.parse(row.turns) as ConversationTurn[]) : [];
    });
  }

  writeConversation(conversationKey: string, turns: ConversationTurn[], at: number): Promise<void> {
    return this.use(() => {
      this.statements.writeConversation.run(conversationKey, JSON.stringify(turns), at);
    });
  }

  appendConversationTurn(
    conversationKey: string,
    turn: ConversationTurn,
    { maxTurns, notBefore, at }: { maxTurns: number; notBefore: number; at: number },
  ): Promise<void> {
    return this.use(() => {
      // One transaction: SQLite runs one writer at a time, so the read and the write cannot be split by another append.
      this.database.transaction(() => {
        const row = this.statements.readConversation.get(conversationKey, notBefore);
        const kept = row ? (JSON.parse(row.turns) as ConversationTurn[]) : [];
        this.statements.writeConversation.run(conversationKey, JSON.stringify([...kept, turn].slice(-Math.max(1, maxTurns))), at);
      })();
    });
  }

  deleteConversation(conversationKey: string): Promise<void> {
    return this.use(() => {
      this.statements.deleteConversation.run(conversationKey);
    });
  }

  claim(kind: string, id: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    return this.use(() => this.statements.claim.run({ kind, id, expiresAt: now + ttlMs, now }).changes === 1);
  }

  confirmClaim(kind: string, id: string, ttlMs: number, now = Date.now()): Promise<void> {
    return this.use(() => {
      this.statements.confirmClaim.run({ kind, id, expiresAt: now + ttlMs });
    });
  }

  acceptDelivery(input: AcceptDeliveryInput): Promise<DeliveryIntake> {
    return this.use(() => this.deliveries.accept(input));
  }

  takeLapsedDeliveries(input: { kind: string; owner: string; leaseMs: number; limit: number; now?: number }): Promise<PendingDelivery[]> {
    return this.use(() => this.deliveries.takeLapsed(input.kind, input.owner, input.leaseMs, input.limit, input.now ?? Date.now()));
  }

  renewDeliveryLeases(owner: string, leaseMs: number, now = Date.now()): Promise<number> {
    return this.use(() => this.deliveries.renew(owner, leaseMs, now));
  }

  updateDelivery(kind: string, id: string, owner: string, change: { reply?: string; sentParts?: number }, leaseMs: number, now = Date.now()): Promise<boolean> {
    return this.use(() => this.deliveries.update(kind, id, owner, change, leaseMs, now));
  }

  releaseDelivery(kind: string, id: string, owner: string, retryAt: number, failed: boolean): Promise<void> {
    return this.use(() => this.deliveries.release(kind, id, owner, retryAt, failed));
  }

  completeDelivery(kind: string, id: string, rememberMs: number, now = Date.now()): Promise<void> {
    return this.use(() => this.deliveries.complete(kind, id, rememberMs, now));
  }

  putIfAbsent(kind: string, key: string, value: string, ttlMs: number, now = Date.now()): Promise<{ value: string; isNew: boolean }> {
    return this.use(() => {
      const wrote = this.statements.putIfAbsent.run({ kind, key, value, expiresAt: now + ttlMs, now }).changes === 1;
      if (wrote) return { value, isNew: true };
      return { value: this.statements.getValue.get(kind, key, now)?.value ?? value, isNew: false };
    });
  }

  putValue(kind: string, key: string, value: string, ttlMs: number, now = Date.now()): Promise<void> {
    return this.use(() => {
      this.statements.putValue.run({ kind, key, value, expiresAt: now + ttlMs });
    });
  }

  getValue(kind: string, key: string, now = Date.now()): Promise<string | undefined> {
    return this.use(() => this.statements.getValue.get(kind, key, now)?.value);
  }

  countHit(kind: string, key: string, windowMs: number, now = Date.now()): Promise<{ count: number; resetAt: number }> {
    return this.use(() => {
      const row = this.statements.countHit.get({ kind, key, resetAt: now + windowMs, now })!;
      return { count: row.count, resetAt: row.reset_at };
    });
  }

  peekHits(kind: string, key: string, now = Date.now()): Promise<{ count: number; resetAt: number } | undefined> {
    return this.use(() => {
      const row = this.statements.peekHits.get(kind, key, now);
      return row ? { count: row.count, resetAt: row.reset_at } : undefined;
    });
  }

  uncountHit(kind: string, key: string, now = Date.now()): Promise<void> {
    return this.use(() => {
      this.statements.uncountHit.run(kind, key, now);
    });
  }

  recordReindexRun(run: ReindexRun, keep = DEFAULT_KEPT_REINDEX_RUNS): Promise<void> {
    return this.use(() => {
      this.database.transaction(() => {
        this.statements.insertReindexRun.run(
          run.finishedAt,
          run.ok ? 1 : 0,
          run.reason ?? null,
          run.summary ? JSON.stringify(run.summary) : null,
          run.error ?? null,
        );
        this.statements.trimReindexRuns.run(Math.max(1, keep));
      })();
    });
  }

  listReindexRuns(limit: number): Promise<ReindexRun[]> {
    return this.use(() =>
      this.statements.listReindexRuns.all(Math.max(0, Math.min(limit, MAX_LIST_LIMIT))).map((row) => ({
        finishedAt: row.finished_at,
        ok: row.ok === 1,
        reason: row.reason ?? undefined,
        summary: row.summary ? (JSON.parse(row.summary) as ReindexRun["summary"]) : undefined,
        error: row.error ?? undefined,
      })),
    );
  }

  /** One replica: a lock is a name this process holds (the re-index file lock still guards the index folder across processes). */
  tryLock(name: string): Promise<HeldLock | undefined> {
    return this.use(() => {
      if (this.heldLocks.has(name)) return undefined;
      const lost = new AbortController();
      this.heldLocks.set(name, lost);
      return {
        lost: lost.signal,
        release: async () => {
          if (this.heldLocks.get(name) === lost) this.heldLocks.delete(name);
        },
      };
    });
  }

  /** One replica: announcements stay in this process (other processes on the machine watch the index's CURRENT file). */
  announce(channel: string, payload: string): Promise<void> {
    return this.use(() => {
      this.announcements.emit(channel, payload);
    });
  }

  listen(channel: string, listener: (payload: string) => void): Promise<() => Promise<void>> {
    return this.use(() => {
      // Asynchronous like a delivery from PostgreSQL, so a listener never runs inside `announce`.
      const deliver = (payload: string) => setImmediate(() => listener(payload));
      this.announcements.on(channel, deliver);
      return async () => {
        this.announcements.off(channel, deliver);
      };
    });
  }

  health(): StateHealth {
    return this.closed ? { dialect: "sqlite", state: "degraded", detail: "the state store is closed" } : { dialect: "sqlite", state: "ok" };
  }

  sweep(now: number, conversationNotBefore: number): Promise<void> {
    return this.use(() => {
      this.database.prepare("DELETE FROM shared_values WHERE expires_at <= ?").run(now);
      this.database.prepare("DELETE FROM hit_counters WHERE reset_at <= ?").run(now);
      this.database.prepare("DELETE FROM admin_sessions WHERE expires_at <= ?").run(now);
      this.database.prepare("DELETE FROM dedupe WHERE expires_at <= ?").run(now);
      this.deliveries.sweep(now - PENDING_DELIVERY_MAX_AGE_MS);
      this.database.prepare("DELETE FROM conversations WHERE updated_at < ?").run(conversationNotBefore);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const lost of this.heldLocks.values()) lost.abort(new KnowledgeBotError("STATE_STORE_UNAVAILABLE", "The state store was closed.", "Open it again."));
    this.heldLocks.clear();
    this.announcements.removeAllListeners();
    this.database.close();
  }
}
