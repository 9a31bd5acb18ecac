/**
 * The state store on PostgreSQL (`pg`, one Pool, parameterised queries only), for several replicas
 * acting as one bot: the same contract and the same running totals as the SQLite store, shared by
 * every process that opens the same database.
 *
 * When the database cannot be reached the store turns "degraded" (health(), logged once) and keeps
 * answering what it can without it: question-log records are kept in a bounded buffer and written
 * when the database answers again (the answer was given and its answerId handed out, so dropping
 * the record silently would lose acknowledged work); everything else rejects with
 * STATE_STORE_UNAVAILABLE, so a vote or a login is answered with an error, never acknowledged.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import { KnowledgeBotError } from "../core/errors.js";
import type { ConversationTurn, Platform } from "../core/types.js";
import { ConnectionHealth, isConnectionError } from "./postgres-connection-health.js";
import { AdvisoryLocks, channelName, Notifications } from "./postgres-coordination.js";
import { runPostgresMigrations } from "./postgres-migrations.js";
import { PostgresPendingDeliveries } from "./postgres-pending-deliveries.js";
import { PendingQuestions } from "./postgres-pending-questions.js";
import { QuestionBatches } from "./postgres-question-batches.js";
import { listGroupsInWindow, type RunQuery, type WindowGroupRow } from "./postgres-window-listing.js";
import {
  ADJUST_VOTES,
  DROP_EMPTY_TOTALS,
  groupsInOrder,
  groupsInWindow,
  PURGE_QUESTIONS,
  DISMISS_QUESTION,
  RECORD_QUESTION,
  RECORD_QUESTIONS,
  type RecordedRow,
} from "./postgres-question-sql.js";
import {
  DAY_MS,
  DEFAULT_KEPT_REINDEX_RUNS,
  DEFAULT_LIST_LIMIT,
  MAX_COUNTED_SOURCES,
  MAX_LIST_LIMIT,
  dayLabel,
  dayNumber,
  platformBit,
  missingSubjectOf,
  toGroup,
  tokenHash,
  type GroupRow,
} from "./question-rows.js";
import {
  PENDING_DELIVERY_MAX_AGE_MS,
  type AcceptDeliveryInput,
  type AdminSession,
  type DayStats,
  type DeliveryIntake,
  type HeldLock,
  type PendingDelivery,
  type LoggedAnswer,
  type QuestionGroup,
  type QuestionListOptions,
  type QuestionRecord,
  type QuestionStats,
  type Rating,
  type ReindexRun,
  type StateHealth,
  type StateStore,
  type Vote,
} from "./state-store.js";

/** Deadlocks and serialization failures roll the statement back whole; running it again is safe. */
const RETRIED_CODES = new Set(["40P01", "40001"]);
const MAX_ATTEMPTS = 3;
/** Batches of questions read for a window before adding up the whole window instead (see postgres-window-listing.ts). */
const WINDOW_MAX_BATCHES = 4;
/** A window shorter than a quarter of the kept days is added up in one query (measured: 7 of 90 days, 1,000,000 asks). */
const SMALL_WINDOW_SHARE = 4;
/** Question records written in one statement, by the group commit and when the outage buffer is written. */
const MAX_RECORDS_PER_STATEMENT = 200;
/** Purging months of a busy log is the one long statement. */
const PURGE_TIMEOUT_MS = 600_000;

// BIGINT (epoch milliseconds, counts) as numbers: every value the store keeps is far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/** PostgreSQL text and JSONB refuse NUL characters; SQLite kept them, so a question with one must not fail here. */
function withoutNul(text: string): string {
  return text.includes("\0") ? text.replaceAll("\0", "") : text;
}

const statementNames = new Map<string, string>();

/**
 * A name per statement text, so each pooled connection parses and plans a statement once and then
 * only binds and executes it: planning the question log's multi-table upsert on every request
 * cost more database CPU than running it.
 */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `kb_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** A UTF-16 half of a pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text bound for a JSON parameter: JSON.stringify writes a lone surrogate as an escape JSONB refuses
 * (a text parameter turned it into U+FFFD on the way), so it becomes U+FFFD here, as it did before.
 */
function jsonText(text: string): string {
  return withoutNul(text).replace(LONE_SURROGATE, "\uFFFD");
}

/** A value bound as a JSON parameter, every string in it made acceptable to JSONB (see jsonText). */
function jsonWithoutNul(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "string" ? jsonText(item) : item));
}

function nullableJsonText(text: string | null): string | null {
  return text === null ? null : jsonText(text);
}

/** A record as one row of RECORD_QUESTIONS's array. */
function recordedRow(record: QuestionRecord): RecordedRow {
  const citedSourceIds = record.citedSourceIds.slice(0, MAX_COUNTED_SOURCES).map(jsonText);
  return {
    answer_id: jsonText(record.answerId),
    group_key: jsonText(record.groupKey),
    text: jsonText(record.text),
    platform: record.platform,
    chat_kind: record.chatKind,
    conversation_hash: record.conversationHash,
    answered: record.answered,
    scores: record.scores.slice(0, MAX_COUNTED_SOURCES),
    cited_source_ids: citedSourceIds,
    latency_ms: record.latencyMs,
    asked_at: record.askedAt,
    day: dayNumber(record.askedAt),
    platform_bit: platformBit(record.platform),
    top_source: record.answered ? (citedSourceIds[0] ?? null) : null,
    missing_subject: nullableJsonText(missingSubjectOf(record)),
    asked_by: nullableJsonText(record.askedBy ?? null),
    // Sorted: concurrent batches touch the per-source rows in one order, which avoids deadlocks.
    sources: [...new Set(citedSourceIds)].sort(),
  };
}

function closedError(): KnowledgeBotError {
  return new KnowledgeBotError("STATE_STORE_UNAVAILABLE", "The state store is closed.", "Open the store again.");
}

function unavailable(error: unknown): KnowledgeBotError {
  if (error instanceof KnowledgeBotError) return error;
  return isConnectionError(error)
    ? new KnowledgeBotError(
        "STATE_STORE_UNAVAILABLE",
        "The state store's database cannot be reached.",
        "Check that the PostgreSQL server named by DATABASE_URL is running and reachable; the bot reconnects by itself.",
        { cause: error },
      )
    : new KnowledgeBotError("STATE_STORE_UNAVAILABLE", `The state store failed: ${(error as Error).message}`, "Check the PostgreSQL server's log.", {
        cause: error,
      });
}

export interface PostgresStateStoreOptions {
  /** postgres://user:password@host:port/database (config.databaseUrl); never logged. */
  databaseUrl: string;
  logger: Logger;
  /** Pool size per replica (default 10). */
  maxConnections?: number;
  /** Question-log records kept while the database is unreachable (default 10,000). */
  pendingCapacity?: number;
  /** How often a degraded store tries the database again (default 1 s). */
  probeIntervalMs?: number;
  /** How often a held lock's connection and the listening connection are checked (default 5 s). */
  lockHeartbeatMs?: number;
  /** How long a connection attempt may take before the database counts as unreachable (default 5 s). */
  connectTimeoutMs?: number;
  /** How long one query may wait for its reply (default 30 s; a purge gets 10 minutes). */
  queryTimeoutMs?: number;
  /** Questions read per batch when the admin queue lists a window shorter than everything kept (default 500). */
  windowBatchSize?: number;
}

/**
 * Opens a pool on `databaseUrl` and brings the schema up to date (once, however many replicas start
 * together). A database that cannot be reached yet does not stop the replica: the store opens
 * degraded and migrates once the database answers. A database that answers and refuses (a wrong
 * password, a missing database or privilege) fails here, since retrying would not mend it.
 */
export async function openPostgresStateStore(options: PostgresStateStoreOptions): Promise<PostgresStateStore> {
  const store = new PostgresStateStore(options);
  try {
    await store.migrate();
  } catch (error) {
    if (isConnectionError(error)) {
      store.openedUnreachable(error);
      return store;
    }
    await store.close();
    throw new KnowledgeBotError(
      "STATE_STORE_UNAVAILABLE",
      `The PostgreSQL state store could not be opened: ${(error as Error).message}`,
      "Check DATABASE_URL (host, port, database, user and password) and that the server is running; the first start needs a user that owns the database (or has CREATE on its public schema).",
      { cause: error },
    );
  }
  return store;
}

export class PostgresStateStore implements StateStore {
  readonly pool: pg.Pool;
  private readonly logger: Logger;
  private readonly health_: ConnectionHealth;
  private readonly locks: AdvisoryLocks;
  private readonly notifications: Notifications;
  private readonly pending: PendingQuestions;
  private readonly deliveries: PostgresPendingDeliveries;
  private readonly batches: QuestionBatches;
  private flushing: Promise<void> | undefined;
  private overflowWarned = false;
  private readonly windowBatchSize: number;
  private closed = false;
  /** False until the migrations ran: a store opened unreachable runs them when the database answers. */
  private schemaReady = false;
  /** The last refusal a migration met while the store waited for its database, logged once. */
  private migrationRefusal: string | undefined;

  constructor(options: PostgresStateStoreOptions) {
    this.logger = options.logger.child({ component: "state-store", dialect: "postgres" });
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    const clientConfig: pg.ClientConfig = {
      connectionString: options.databaseUrl,
      connectionTimeoutMillis: connectTimeoutMs,
      // A connection whose network went silent is noticed by TCP keepalive and the query timeout, not hours later.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      query_timeout: options.queryTimeoutMs ?? 30_000,
      application_name: "kb-chat-bot",
      types,
    };
    this.pool = new pg.Pool({ ...clientConfig, max: options.maxConnections ?? 10, idleTimeoutMillis: 30_000 });
    this.health_ = new ConnectionHealth({
      logger: this.logger,
      probeIntervalMs: options.probeIntervalMs ?? 1000,
      probe: async () => {
        if (this.schemaReady) await this.pool.query("SELECT 1");
        else await this.migrateWhenReachable();
      },
      onRecovered: () => void this.flushPending(),
    });
    // An idle pooled connection that breaks (the server restarted) is reported here, not to a query.
    this.pool.on("error", (error) => this.health_.failed(error));
    this.locks = new AdvisoryLocks({ clientConfig, heartbeatMs: options.lockHeartbeatMs ?? 5000 });
    this.notifications = new Notifications({
      clientConfig,
      logger: this.logger,
      reconnectDelayMs: options.probeIntervalMs ?? 1000,
      heartbeatMs: options.lockHeartbeatMs ?? 5000,
      onFailure: (error) => this.health_.failed(error),
      onSuccess: () => this.health_.succeeded(),
    });
    this.pending = new PendingQuestions(options.pendingCapacity ?? 10_000);
    this.batches = new QuestionBatches({
      write: (records) => this.insertQuestions(records),
      maxBatch: MAX_RECORDS_PER_STATEMENT,
      // A connection failure has turned the store degraded; anything else was a refusal of the batch's content.
      retryAlone: () => !this.health_.degraded,
    });
    this.windowBatchSize = Math.max(1, options.windowBatchSize ?? 500);
    this.deliveries = new PostgresPendingDeliveries({
      query: (text, values) => this.query(text, values),
      transaction: (work) => this.transaction(work),
      clean: withoutNul,
    });
  }

  /** Brings the schema up to date (under the migration lock, so replicas starting together migrate once). */
  async migrate(): Promise<void> {
    await runPostgresMigrations(this.pool);
    this.schemaReady = true;
  }

  /** The store opened without its database: degraded (health() says so) until it answers and the schema is up to date. */
  openedUnreachable(error: unknown): void {
    this.health_.openedUnreachable(error);
  }

  /** The probe of a store opened unreachable: a refusal other than a connection failure is logged (once), since it will not mend by itself. */
  private async migrateWhenReachable(): Promise<void> {
    try {
      await this.migrate();
      this.logger.info("state store schema brought up to date after the database became reachable");
    } catch (error) {
      const message = (error as Error).message;
      if (!isConnectionError(error) && message !== this.migrationRefusal) {
        this.migrationRefusal = message;
        this.logger.error(
          { err: error },
          "the state store's migrations were refused; check the database user's privileges (it must own the database or have CREATE on its public schema)",
        );
      }
      throw error;
    }
  }

  /**
   * While degraded, work is refused at once rather than tried: against a network that drops
   * packets each try would hang for the connect timeout, and the probe notices the way back.
   */
  private refuseWhileDegraded(): void {
    if (this.closed) throw closedError();
    if (this.health_.degraded) {
      throw new KnowledgeBotError(
        "STATE_STORE_UNAVAILABLE",
        `The state store is degraded: ${this.health_.reason}.`,
        "The bot reconnects by itself; try again shortly.",
      );
    }
  }

  /** One statement on a pooled connection; retried when PostgreSQL rolled it back over a deadlock. */
  private async query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> {
    this.refuseWhileDegraded();
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.pool.query<Row>({ name: statementName(text), text, values });
        this.health_.succeeded();
        return result;
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && RETRIED_CODES.has((error as { code?: string }).code ?? "")) continue;
        this.health_.failed(error);
        throw unavailable(error);
      }
    }
  }

  /** Several statements in one transaction on one connection. */
  private async transaction<Result>(work: (client: pg.PoolClient) => Promise<Result>, begin = "BEGIN"): Promise<Result> {
    this.refuseWhileDegraded();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.health_.failed(error);
      throw unavailable(error);
    }
    // Out of the pool, a client whose connection ends between two statements emits "error" with no
    // pool listener to take it (an uncaught exception); the statement that follows fails by itself.
    let lost: Error | undefined;
    const onLost = (error: Error) => (lost = error);
    client.on("error", onLost);
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query("COMMIT");
      client.off("error", onLost);
      client.release();
      this.health_.succeeded();
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      client.off("error", onLost);
      // A connection that failed must not go back to the pool.
      client.release(isConnectionError(error) ? (error as Error) : lost);
      this.health_.failed(error);
      throw unavailable(error);
    }
  }

  // Question log --------------------------------------------------------------------------

  async recordQuestion(record: QuestionRecord): Promise<void> {
    if (this.closed) throw closedError();
    // While degraded, or while older records wait, keep the order: this one waits behind them.
    if (this.health_.degraded || this.pending.size > 0) {
      this.keepPending(record);
      if (!this.health_.degraded) void this.flushPending();
      return;
    }
    try {
      // Committed with the other records of its batch before the answer is handed out (see postgres-question-batches.ts).
      await this.batches.add(record);
    } catch (error) {
      // Any connection failure has turned the store degraded by now; other refusals are the caller's to see.
      if (!this.health_.degraded) throw error;
      this.keepPending(record);
    }
  }

  /** One statement for all of `records`; a record whose answerId is already logged (or repeated here) counts once. */
  private async insertQuestions(records: QuestionRecord[]): Promise<void> {
    const rows = new Map<string, RecordedRow>();
    for (const record of records) if (!rows.has(record.answerId)) rows.set(record.answerId, recordedRow(record));
    if (rows.size > 1) {
      await this.query(RECORD_QUESTIONS, [JSON.stringify([...rows.values()])]);
      return;
    }
    const [row] = rows.values();
    if (!row) return;
    await this.query(RECORD_QUESTION, [
      row.answer_id,
      row.group_key,
      row.text,
      row.platform,
      row.chat_kind,
      row.conversation_hash,
      row.answered,
      JSON.stringify(row.scores),
      JSON.stringify(row.cited_source_ids),
      row.latency_ms,
      row.asked_at,
      row.day,
      row.answered ? 0 : 1,
      row.platform_bit,
      row.top_source,
      row.answered ? 1 : 0,
      row.sources,
      row.missing_subject,
      row.asked_by,
    ]);
  }

  private keepPending(record: QuestionRecord): void {
    if (this.pending.add(record) && !this.overflowWarned) {
      // Warned at the first overflow of each outage; the number dropped is logged when the buffer is written.
      this.overflowWarned = true;
      this.logger.warn({ capacity: this.pending.capacity }, "question-log buffer full: the oldest waiting records are being dropped");
    }
  }

  /**
   * Writes the buffered records, oldest first, a statement's worth at a time; stops at the first
   * connection failure. A batch the database refuses is written again one record at a time, so a
   * record it will never take is dropped (and logged) alone.
   */
  private flushPending(): Promise<void> {
    this.flushing ??= (async () => {
      let written = 0;
      let dropped = 0;
      try {
        while (this.pending.size > 0 && !this.closed && !this.health_.degraded) {
          const batch = this.pending.peekOldest(MAX_RECORDS_PER_STATEMENT);
          try {
            await this.insertQuestions(batch);
            written += batch.length;
            this.pending.removeOldest(batch);
            continue;
          } catch {
            // Unreachable again: the records stay first in line for the next recovery.
            if (this.health_.degraded) return;
          }
          for (const record of batch) {
            try {
              await this.insertQuestions([record]);
              written++;
            } catch (error) {
              if (this.health_.degraded) return;
              // Refused for good (not a connection problem): trying again would block the rest.
              dropped++;
              this.logger.warn({ err: error }, "a buffered question record was refused by the database and dropped");
            }
            this.pending.removeOldest([record]);
          }
        }
      } finally {
        const overflowed = this.pending.takeDroppedCount();
        this.overflowWarned = false;
        if (written > 0 || dropped > 0 || overflowed > 0) {
          this.logger.info({ written, refused: dropped, droppedWhileFull: overflowed, stillWaiting: this.pending.size }, "buffered question records written");
        }
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** Before reading or voting on the log, write what waits, so an answerId just handed out is found. */
  private async pendingWritten(): Promise<void> {
    await this.batches.settled();
    if (this.pending.size > 0 && !this.health_.degraded) await this.flushPending();
  }

  async listQuestions({ filter, days, limit = DEFAULT_LIST_LIMIT, now = Date.now() }: QuestionListOptions): Promise<QuestionGroup[]> {
    await this.pendingWritten();
    const rowLimit = Math.max(1, Math.min(MAX_LIST_LIMIT, Math.floor(limit)));
    const firstDay = dayNumber(now) - Math.max(1, Math.floor(days)) + 1;
    const oldest = (await this.query<{ day: number | null }>("SELECT min(day) AS day FROM question_days")).rows[0]?.day;
    if (oldest === null || oldest === undefined) return [];
    if (firstDay <= oldest) return (await this.query<GroupRow>(groupsInOrder(filter), [0, rowLimit])).rows.map(toGroup);
    // A window that is a small part of what is kept has few rows to add up: one query is quickest.
    const keptDays = dayNumber(now) - oldest + 1;
    if (days * SMALL_WINDOW_SHARE < keptDays) return (await this.query<GroupRow>(groupsInWindow(filter), [firstDay, rowLimit])).rows.map(toGroup);
    const rows = await this.transaction(async (client) => {
      const run: RunQuery = async <Row>(text: string, values: unknown[]) =>
        (await client.query<Row & pg.QueryResultRow>({ name: statementName(text), text, values })).rows as Row[];
      return listGroupsInWindow(run, {
        filter,
        firstDay,
        dayMs: DAY_MS,
        limit: rowLimit,
        batchSize: this.windowBatchSize,
        maxBatches: WINDOW_MAX_BATCHES,
        wholeWindow: () => run<WindowGroupRow>(groupsInWindow(filter), [firstDay, rowLimit]),
      });
    }, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    return rows.map(toGroup);
  }

  async dismissQuestion(groupKey: string, at: number): Promise<boolean> {
    await this.pendingWritten();
    return ((await this.query(DISMISS_QUESTION, [at, withoutNul(groupKey)])).rowCount ?? 0) > 0;
  }

  async questionStats({ days, now = Date.now() }: { days: number; now?: number }): Promise<QuestionStats> {
    await this.pendingWritten();
    const firstDay = dayNumber(now) - Math.max(1, Math.floor(days)) + 1;
    const dayRows = (
      await this.query<{ day: number; asked: number; answered: number; upvotes: number; downvotes: number }>(
        "SELECT day, asked, answered, upvotes, downvotes FROM question_days WHERE day >= $1 ORDER BY day",
        [firstDay],
      )
    ).rows;
    const perDay: DayStats[] = dayRows.map((row) => ({ ...row, day: dayLabel(row.day) }));
    const total = (field: "asked" | "answered" | "upvotes" | "downvotes") => dayRows.reduce((sum, row) => sum + row[field], 0);
    const topSources = (
      await this.query<{ sourceId: string; count: number }>(
        `SELECT source_id AS "sourceId", sum(cited) AS count FROM source_days WHERE day >= $1 GROUP BY source_id ORDER BY count DESC, source_id LIMIT 10`,
        [firstDay],
      )
    ).rows;
    return {
      days: perDay,
      asked: total("asked"),
      answered: total("answered"),
      upvotes: total("upvotes"),
      downvotes: total("downvotes"),
      topSources,
      topUnanswered: await this.listQuestions({ filter: "unanswered", days, limit: 10, now }),
    };
  }

  async purgeQuestionsBefore(before: number): Promise<number> {
    await this.pendingWritten();
    return this.transaction(async (client) => {
      const purged =
        (await client.query<{ purged: number }>({ text: PURGE_QUESTIONS, values: [before], query_timeout: PURGE_TIMEOUT_MS } as pg.QueryConfig)).rows[0]
          ?.purged ?? 0;
      if (purged > 0) for (const statement of DROP_EMPTY_TOTALS) await client.query(statement);
      return purged;
    });
  }

  async purgeQuestionsBeyond(maxRows: number): Promise<number> {
    await this.pendingWritten();
    // The newest question past the cap: it and everything asked no later go (questions_asked_at serves the walk).
    const cutOff = (await this.query<{ asked_at: number }>("SELECT asked_at FROM questions ORDER BY asked_at DESC LIMIT 1 OFFSET $1", [maxRows])).rows[0];
    return cutOff ? this.purgeQuestionsBefore(Number(cutOff.asked_at) + 1) : 0;
  }

  // Feedback ------------------------------------------------------------------------------

  async findAnswer(answerId: string): Promise<LoggedAnswer | undefined> {
    await this.pendingWritten();
    const row = (
      await this.query<{ answer_id: string; group_key: string; text: string; platform: Platform; answered: boolean; asked_at: number }>(
        "SELECT answer_id, group_key, text, platform, answered, asked_at FROM questions WHERE answer_id = $1",
        [answerId],
      )
    ).rows[0];
    if (!row) return undefined;
    return { answerId: row.answer_id, groupKey: row.group_key, text: row.text, platform: row.platform, answered: row.answered, askedAt: row.asked_at };
  }

  async recordVote(vote: Vote): Promise<boolean> {
    await this.pendingWritten();
    return this.transaction(async (client) => {
      // The answer's row lock makes two votes on one answer (from any replicas) take turns.
      const answer = (
        await client.query<{ group_key: string; day: number; asked_by: string | null }>(
          "SELECT group_key, day, asked_by FROM questions WHERE answer_id = $1 FOR UPDATE",
          [vote.answerId],
        )
      ).rows[0];
      if (!answer) return false;
      if (vote.onlyAsker && answer.asked_by !== null && answer.asked_by !== vote.voter) return false;
      const previous = (await client.query<{ rating: Rating }>("SELECT rating FROM feedback WHERE answer_id = $1 AND voter = $2", [vote.answerId, vote.voter]))
        .rows[0]?.rating;
      await client.query(
        `INSERT INTO feedback AS f (answer_id, voter, rating, comment, at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (answer_id, voter) DO UPDATE SET rating = excluded.rating, comment = coalesce(excluded.comment, f.comment), at = excluded.at`,
        [vote.answerId, vote.voter, vote.rating, vote.comment === undefined ? null : withoutNul(vote.comment), vote.at],
      );
      if (previous === vote.rating) return true;
      const up = (vote.rating === "up" ? 1 : 0) - (previous === "up" ? 1 : 0);
      const down = (vote.rating === "down" ? 1 : 0) - (previous === "down" ? 1 : 0);
      await client.query(ADJUST_VOTES, [up, down, vote.answerId, answer.group_key, answer.day]);
      return true;
    });
  }

  // Admin sessions ------------------------------------------------------------------------

  async createAdminSession(token: string, session: AdminSession): Promise<void> {
    await this.query(
      `INSERT INTO admin_sessions (token_hash, created_at, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (token_hash) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at`,
      [tokenHash(token), session.createdAt, session.expiresAt],
    );
  }

  async findAdminSession(token: string, now = Date.now()): Promise<AdminSession | undefined> {
    const row = (
      await this.query<{ created_at: number; expires_at: number }>(
        "SELECT created_at, expires_at FROM admin_sessions WHERE token_hash = $1 AND expires_at > $2",
        [tokenHash(token), now],
      )
    ).rows[0];
    return row ? { createdAt: row.created_at, expiresAt: row.expires_at } : undefined;
  }

  async deleteAdminSession(token: string): Promise<void> {
    await this.query("DELETE FROM admin_sessions WHERE token_hash = $1", [tokenHash(token)]);
  }

  // Conversation memory -------------------------------------------------------------------

  async readConversation(conversationKey: string, notBefore: number): Promise<ConversationTurn[]> {
    const row = (
      await this.query<{ turns: ConversationTurn[] }>("SELECT turns FROM conversations WHERE conversation_key = $1 AND updated_at >= $2", [
        withoutNul(conversationKey),
        notBefore,
      ])
    ).rows[0];
    return row ? row.turns : [];
  }

  async writeConversation(conversationKey: string, turns: ConversationTurn[], at: number): Promise<void> {
    await this.query(
      `INSERT INTO conversations (conversation_key, turns, updated_at) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (conversation_key) DO UPDATE SET turns = excluded.turns, updated_at = excluded.updated_at`,
      [withoutNul(conversationKey), jsonWithoutNul(turns), at],
    );
  }

  async appendConversationTurn(
    conversationKey: string,
    turn: ConversationTurn,
    { maxTurns, notBefore, at }: { maxTurns: number; notBefore: number; at: number },
  ): Promise<void> {
    // One statement: the row lock of ON CONFLICT serializes two replicas appending to one conversation.
    await this.query(
      `INSERT INTO conversations AS c (conversation_key, turns, updated_at) VALUES ($1, jsonb_build_array($2::jsonb), $3)
       ON CONFLICT (conversation_key) DO UPDATE SET
         turns = (
           SELECT coalesce(jsonb_agg(kept.turn ORDER BY kept.position), '[]'::jsonb)
           FROM (
             SELECT turn, position
             FROM jsonb_array_elements(CASE WHEN c.updated_at >= $4 THEN c.turns ELSE '[]'::jsonb END || jsonb_build_array($2::jsonb))
               WITH ORDINALITY AS appended(turn, position)
             ORDER BY position DESC LIMIT $5
           ) kept
         ),
         updated_at = excluded.updated_at`,
      [withoutNul(conversationKey), jsonWithoutNul(turn), at, notBefore, Math.max(1, maxTurns)],
    );
  }

  async deleteConversation(conversationKey: string): Promise<void> {
    await this.query("DELETE FROM conversations WHERE conversation_key = $1", [withoutNul(conversationKey)]);
  }

  // Delivery dedupe -----------------------------------------------------------------------

  async claim(kind: string, id: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    const result = await this.query(
      `INSERT INTO dedupe AS d (kind, id, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (kind, id) DO UPDATE SET expires_at = excluded.expires_at WHERE d.expires_at <= $4`,
      [kind, withoutNul(id), now + ttlMs, now],
    );
    return result.rowCount === 1;
  }

  async confirmClaim(kind: string, id: string, ttlMs: number, now = Date.now()): Promise<void> {
    await this.query(
      `INSERT INTO dedupe AS d (kind, id, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (kind, id) DO UPDATE SET expires_at = greatest(d.expires_at, excluded.expires_at)`,
      [kind, withoutNul(id), now + ttlMs],
    );
  }

  // Pending deliveries --------------------------------------------------------------------

  acceptDelivery(input: AcceptDeliveryInput): Promise<DeliveryIntake> {
    return this.deliveries.accept(input);
  }

  takeLapsedDeliveries(input: { kind: string; owner: string; leaseMs: number; limit: number; now?: number }): Promise<PendingDelivery[]> {
    return this.deliveries.takeLapsed(input.kind, input.owner, input.leaseMs, input.limit, input.now ?? Date.now());
  }

  renewDeliveryLeases(owner: string, leaseMs: number, now = Date.now()): Promise<number> {
    return this.deliveries.renew(owner, leaseMs, now);
  }

  updateDelivery(kind: string, id: string, owner: string, change: { reply?: string; sentParts?: number }, leaseMs: number, now = Date.now()): Promise<boolean> {
    return this.deliveries.update(kind, id, owner, change, leaseMs, now);
  }

  releaseDelivery(kind: string, id: string, owner: string, retryAt: number, failed: boolean): Promise<void> {
    return this.deliveries.release(kind, id, owner, retryAt, failed);
  }

  completeDelivery(kind: string, id: string, rememberMs: number, now = Date.now()): Promise<void> {
    return this.deliveries.complete(kind, id, rememberMs, now);
  }

  // Shared values and counters ------------------------------------------------------------

  async putIfAbsent(kind: string, key: string, value: string, ttlMs: number, now = Date.now()): Promise<{ value: string; isNew: boolean }> {
    const wrote = await this.query(
      `INSERT INTO shared_values AS v (kind, key, value, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at WHERE v.expires_at <= $5`,
      [kind, withoutNul(key), withoutNul(value), now + ttlMs, now],
    );
    if (wrote.rowCount === 1) return { value, isNew: true };
    return { value: (await this.getValue(kind, key, now)) ?? value, isNew: false };
  }

  async putValue(kind: string, key: string, value: string, ttlMs: number, now = Date.now()): Promise<void> {
    await this.query(
      `INSERT INTO shared_values (kind, key, value, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      [kind, withoutNul(key), withoutNul(value), now + ttlMs],
    );
  }

  async getValue(kind: string, key: string, now = Date.now()): Promise<string | undefined> {
    const row = (
      await this.query<{ value: string }>("SELECT value FROM shared_values WHERE kind = $1 AND key = $2 AND expires_at > $3", [kind, withoutNul(key), now])
    ).rows[0];
    return row?.value;
  }

  async countHit(kind: string, key: string, windowMs: number, now = Date.now()): Promise<{ count: number; resetAt: number }> {
    const row = (
      await this.query<{ count: number; reset_at: number }>(
        `INSERT INTO hit_counters AS h (kind, key, count, reset_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (kind, key) DO UPDATE SET
           count = CASE WHEN h.reset_at <= $4 THEN 1 ELSE h.count + 1 END,
           reset_at = CASE WHEN h.reset_at <= $4 THEN excluded.reset_at ELSE h.reset_at END
         RETURNING count, reset_at`,
        [kind, withoutNul(key), now + windowMs, now],
      )
    ).rows[0]!;
    return { count: row.count, resetAt: row.reset_at };
  }

  async peekHits(kind: string, key: string, now = Date.now()): Promise<{ count: number; resetAt: number } | undefined> {
    const row = (
      await this.query<{ count: number; reset_at: number }>("SELECT count, reset_at FROM hit_counters WHERE kind = $1 AND key = $2 AND reset_at > $3", [
        kind,
        withoutNul(key),
        now,
      ])
    ).rows[0];
    return row ? { count: row.count, resetAt: row.reset_at } : undefined;
  }

  async uncountHit(kind: string, key: string, now = Date.now()): Promise<void> {
    await this.query("UPDATE hit_counters SET count = greatest(count - 1, 0) WHERE kind = $1 AND key = $2 AND reset_at > $3", [kind, withoutNul(key), now]);
  }

  // Re-index history ----------------------------------------------------------------------

  async recordReindexRun(run: ReindexRun, keep = DEFAULT_KEPT_REINDEX_RUNS): Promise<void> {
    await this.transaction(async (client) => {
      await client.query("INSERT INTO reindex_runs (finished_at, ok, reason, summary, error) VALUES ($1, $2, $3, $4::jsonb, $5)", [
        run.finishedAt,
        run.ok,
        run.reason ?? null,
        run.summary ? jsonWithoutNul(run.summary) : null,
        run.error === undefined ? null : withoutNul(run.error),
      ]);
      await client.query("DELETE FROM reindex_runs WHERE id NOT IN (SELECT id FROM reindex_runs ORDER BY finished_at DESC, id DESC LIMIT $1)", [
        Math.max(1, keep),
      ]);
    });
  }

  async listReindexRuns(limit: number): Promise<ReindexRun[]> {
    const rows = (
      await this.query<{ finished_at: number; ok: boolean; reason: string | null; summary: ReindexRun["summary"] | null; error: string | null }>(
        "SELECT finished_at, ok, reason, summary, error FROM reindex_runs ORDER BY finished_at DESC, id DESC LIMIT $1",
        [Math.max(0, Math.min(limit, MAX_LIST_LIMIT))],
      )
    ).rows;
    return rows.map((row) => ({
      finishedAt: row.finished_at,
      ok: row.ok,
      reason: row.reason ?? undefined,
      summary: row.summary ?? undefined,
      error: row.error ?? undefined,
    }));
  }

  // Coordination --------------------------------------------------------------------------

  async tryLock(name: string): Promise<HeldLock | undefined> {
    this.refuseWhileDegraded();
    try {
      const lock = await this.locks.tryLock(name);
      this.health_.succeeded();
      return lock;
    } catch (error) {
      this.health_.failed(error);
      throw unavailable(error);
    }
  }

  async announce(channel: string, payload: string): Promise<void> {
    await this.query("SELECT pg_notify($1, $2)", [channelName(channel), withoutNul(payload)]);
  }

  async listen(channel: string, listener: (payload: string) => void): Promise<() => Promise<void>> {
    if (this.closed) throw closedError();
    try {
      return await this.notifications.listen(channel, listener);
    } catch (error) {
      this.health_.failed(error);
      throw unavailable(error);
    }
  }

  health(): StateHealth {
    if (this.closed) return { dialect: "postgres", state: "degraded", detail: "the state store is closed" };
    if (!this.health_.degraded) return { dialect: "postgres", state: "ok" };
    const waiting = this.pending.size > 0 ? `; ${this.pending.size} question records wait to be written` : "";
    return { dialect: "postgres", state: "degraded", detail: `${this.health_.reason}${waiting}` };
  }

  async sweep(now: number, conversationNotBefore: number): Promise<void> {
    await this.query("DELETE FROM shared_values WHERE expires_at <= $1", [now]);
    await this.query("DELETE FROM hit_counters WHERE reset_at <= $1", [now]);
    await this.query("DELETE FROM admin_sessions WHERE expires_at <= $1", [now]);
    await this.query("DELETE FROM dedupe WHERE expires_at <= $1", [now]);
    await this.deliveries.sweep(now - PENDING_DELIVERY_MAX_AGE_MS);
    await this.query("DELETE FROM conversations WHERE updated_at < $1", [conversationNotBefore]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Last chance for records still waiting; what cannot be written now is reported, not dropped silently.
    await this.batches.drained();
    if (this.pending.size > 0 && !this.health_.degraded) await this.flushPending().catch(() => undefined);
    this.closed = true;
    await this.flushing?.catch(() => undefined);
    if (this.pending.size > 0)
      this.logger.warn({ lost: this.pending.size }, "question records not written before the store closed: the database was unreachable");
    this.health_.stop();
    this.locks.closeAll();
    await this.notifications.close();
    await this.pool.end();
  }
}
