/**
 * The PostgreSQL schema as numbered migrations, the same tables as SQLite's (sqlite-migrations.ts)
 * in PostgreSQL's types: times are epoch milliseconds in BIGINT, lists are JSONB. Each migration
 * runs once, recorded in `schema_migrations`; a new change is a new entry at the end.
 *
 * Several replicas may start at the same moment, so the whole run holds a transaction-scoped
 * advisory lock: the second replica waits on it, then finds every version recorded and applies none.
 */
import type { Pool } from "pg";

export interface PostgresMigration {
  version: number;
  sql: string;
}

/** The advisory lock key of the migration run ("kb-state-migrations" as a number; any constant works). */
const MIGRATION_LOCK_KEY = "7310583462219431001";

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE questions (
        answer_id TEXT PRIMARY KEY,
        group_key TEXT NOT NULL,
        text TEXT NOT NULL,
        platform TEXT NOT NULL,
        chat_kind TEXT NOT NULL,
        conversation_hash TEXT NOT NULL,
        answered BOOLEAN NOT NULL,
        scores JSONB NOT NULL,
        cited_source_ids JSONB NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL,
        asked_at BIGINT NOT NULL,
        day INTEGER NOT NULL,
        upvotes INTEGER NOT NULL DEFAULT 0,
        downvotes INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX questions_asked_at ON questions (asked_at);

      CREATE TABLE question_groups (
        group_key TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        asked INTEGER NOT NULL,
        unanswered INTEGER NOT NULL,
        upvotes INTEGER NOT NULL,
        downvotes INTEGER NOT NULL,
        last_asked_at BIGINT NOT NULL,
        last_no_answer BOOLEAN NOT NULL,
        platforms INTEGER NOT NULL,
        top_source TEXT
      );
      CREATE INDEX question_groups_rank ON question_groups (asked DESC, last_asked_at DESC);
      CREATE INDEX question_groups_unanswered_rank ON question_groups (last_no_answer, asked DESC, last_asked_at DESC);

      CREATE TABLE question_group_days (
        group_key TEXT NOT NULL,
        day INTEGER NOT NULL,
        asked INTEGER NOT NULL,
        unanswered INTEGER NOT NULL,
        upvotes INTEGER NOT NULL,
        downvotes INTEGER NOT NULL,
        last_asked_at BIGINT NOT NULL,
        platforms INTEGER NOT NULL,
        PRIMARY KEY (group_key, day)
      );
      CREATE INDEX question_group_days_day ON question_group_days (day);

      CREATE TABLE question_days (
        day INTEGER PRIMARY KEY,
        asked INTEGER NOT NULL,
        answered INTEGER NOT NULL,
        upvotes INTEGER NOT NULL,
        downvotes INTEGER NOT NULL
      );

      CREATE TABLE source_days (
        source_id TEXT NOT NULL,
        day INTEGER NOT NULL,
        cited INTEGER NOT NULL,
        PRIMARY KEY (source_id, day)
      );

      CREATE TABLE feedback (
        answer_id TEXT NOT NULL,
        voter TEXT NOT NULL,
        rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
        comment TEXT,
        at BIGINT NOT NULL,
        PRIMARY KEY (answer_id, voter)
      );

      CREATE TABLE admin_sessions (
        token_hash TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );

      CREATE TABLE conversations (
        conversation_key TEXT PRIMARY KEY,
        turns JSONB NOT NULL,
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE dedupe (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (kind, id)
      );

      CREATE TABLE shared_values (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (kind, key)
      );

      CREATE TABLE hit_counters (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        count INTEGER NOT NULL,
        reset_at BIGINT NOT NULL,
        PRIMARY KEY (kind, key)
      );

      CREATE TABLE reindex_runs (
        id BIGSERIAL PRIMARY KEY,
        finished_at BIGINT NOT NULL,
        ok BOOLEAN NOT NULL,
        reason TEXT,
        summary JSONB,
        error TEXT
      );
    `,
  },
  {
    version: 3,
    sql: `
      -- The subject a no-answer lacked (the queue groups by it), and the admin's dismissal of a question.
      ALTER TABLE questions ADD COLUMN missing_subject TEXT;
      ALTER TABLE question_groups ADD COLUMN missing_subject TEXT;
      ALTER TABLE question_groups ADD COLUMN dismissed_at BIGINT;
    `,
  },
  {
    version: 4,
    sql: `
      -- Who asked (a voter key): an answer only its asker was shown takes a vote from them alone.
      ALTER TABLE questions ADD COLUMN asked_by TEXT;
      `,
  },
  {
    version: 5,
    sql: `
      -- Deliveries acknowledged to a platform whose answer is not all sent yet (pending-deliveries.ts).
      CREATE TABLE pending_deliveries (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        payload TEXT NOT NULL,
        reply TEXT,
        sent_parts INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        received_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_expires_at BIGINT NOT NULL,
        PRIMARY KEY (kind, id)
      );
      CREATE INDEX pending_deliveries_lease ON pending_deliveries (kind, lease_expires_at);
      CREATE INDEX pending_deliveries_owner ON pending_deliveries (lease_owner);
    `,
  },
];

/** Applies each migration not yet recorded, once, in order, however many processes run this at once; returns the versions this call applied. */
export async function runPostgresMigrations(pool: Pool, migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  const ran: number[] = [];
  try {
    await client.query("BEGIN");
    // Held until COMMIT: a replica starting at the same moment waits here, then sees the versions recorded.
    await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
    await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
    const applied = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((row) => row.version));
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [migration.version, Date.now()]);
      ran.push(migration.version);
    }
    await client.query("COMMIT");
    return ran;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
