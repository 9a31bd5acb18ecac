/**
 * The SQLite schema as numbered migrations. Each runs once, recorded in `schema_migrations`; a new
 * change is a new entry at the end, never an edit of one that has shipped.
 */
export interface Migration {
  version: number;
  sql: string;
}

export const STATE_MIGRATIONS: readonly Migration[] = [
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
        answered INTEGER NOT NULL,
        scores TEXT NOT NULL,
        cited_source_ids TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        asked_at INTEGER NOT NULL,
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
        last_asked_at INTEGER NOT NULL,
        last_no_answer INTEGER NOT NULL,
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
        last_asked_at INTEGER NOT NULL,
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
        at INTEGER NOT NULL,
        PRIMARY KEY (answer_id, voter)
      );

      CREATE TABLE admin_sessions (
        token_hash TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );

      CREATE TABLE conversations (
        conversation_key TEXT PRIMARY KEY,
        turns TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE dedupe (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      );
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE shared_values (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (kind, key)
      );

      CREATE TABLE hit_counters (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        count INTEGER NOT NULL,
        reset_at INTEGER NOT NULL,
        PRIMARY KEY (kind, key)
      );

      CREATE TABLE reindex_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        finished_at INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        reason TEXT,
        summary TEXT,
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
      ALTER TABLE question_groups ADD COLUMN dismissed_at INTEGER;
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
        received_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_at INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      );
      CREATE INDEX pending_deliveries_lease ON pending_deliveries (kind, lease_expires_at);
      CREATE INDEX pending_deliveries_owner ON pending_deliveries (lease_owner);
    `,
  },
];
