/**
 * The question log's statements on PostgreSQL, with the same running totals as SQLite's
 * (sqlite-state-store.ts): per normalized question, per question and day, per day and per cited
 * source and day, so the admin queue lists from an index however many rows are logged.
 *
 * Recording and purging are one statement each (data-modifying CTEs): one round trip per batch of
 * logged questions, and every total moves in the same atomic step as the rows. Recording is
 * idempotent by answerId (the totals move only for rows inserted), so a record whose reply was lost
 * with the connection can be written again from the buffer without counting twice.
 */
import { NOT_DISMISSED } from "./question-rows.js";
import type { QuestionFilter } from "./state-store.js";

/**
 * One record, the usual batch on a quiet bot: it takes about half the server time RECORD_QUESTIONS
 * takes for a batch of one (0.08 against 0.15 ms, measured). $1 answer_id … $12 day,
 * $13 unanswered (0/1), $14 platform bit, $15 top source, $16 answered (0/1), $17 distinct cited
 * sources (sorted), $18 missing subject (null unless a no-answer named one), $19 who asked (or null).
 */
export const RECORD_QUESTION = `
WITH inserted AS (
  INSERT INTO questions (answer_id, group_key, text, platform, chat_kind, conversation_hash, answered, scores, cited_source_ids, latency_ms, asked_at, day, missing_subject, asked_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11::bigint, $12::int, $18::text, $19::text)
  ON CONFLICT (answer_id) DO NOTHING
  RETURNING 1
), group_day AS (
  INSERT INTO question_group_days AS d (group_key, day, asked, unanswered, upvotes, downvotes, last_asked_at, platforms)
  SELECT $2, $12::int, 1, $13::int, 0, 0, $11::bigint, $14::int FROM inserted
  ON CONFLICT (group_key, day) DO UPDATE SET
    asked = d.asked + 1,
    unanswered = d.unanswered + excluded.unanswered,
    last_asked_at = greatest(d.last_asked_at, excluded.last_asked_at),
    platforms = d.platforms | excluded.platforms
), question_group AS (
  INSERT INTO question_groups AS g (group_key, text, asked, unanswered, upvotes, downvotes, last_asked_at, last_no_answer, platforms, top_source, missing_subject)
  SELECT $2, $3, 1, $13::int, 0, 0, $11::bigint, $13::int = 1, $14::int, $15::text, $18::text FROM inserted
  ON CONFLICT (group_key) DO UPDATE SET
    asked = g.asked + 1,
    unanswered = g.unanswered + excluded.unanswered,
    platforms = g.platforms | excluded.platforms,
    text = CASE WHEN excluded.last_asked_at >= g.last_asked_at THEN excluded.text ELSE g.text END,
    last_no_answer = CASE WHEN excluded.last_asked_at >= g.last_asked_at THEN excluded.last_no_answer ELSE g.last_no_answer END,
    top_source = CASE WHEN excluded.top_source IS NOT NULL AND excluded.last_asked_at >= g.last_asked_at THEN excluded.top_source ELSE g.top_source END,
    missing_subject = CASE WHEN excluded.last_asked_at >= g.last_asked_at THEN excluded.missing_subject ELSE g.missing_subject END,
    last_asked_at = greatest(g.last_asked_at, excluded.last_asked_at)
), question_day AS (
  INSERT INTO question_days AS q (day, asked, answered, upvotes, downvotes)
  SELECT $12::int, 1, $16::int, 0, 0 FROM inserted
  ON CONFLICT (day) DO UPDATE SET asked = q.asked + 1, answered = q.answered + excluded.answered
), source_day AS (
  INSERT INTO source_days AS s (source_id, day, cited)
  SELECT source_id, $12::int, 1 FROM inserted, unnest($17::text[]) AS source_id
  ON CONFLICT (source_id, day) DO UPDATE SET cited = s.cited + 1
)
SELECT count(*) AS inserted FROM inserted`;

/**
 * $1 a JSON array of records (see RecordedRow): one statement writes a whole batch, so N questions
 * cost one round trip and each running total moves once per key instead of N times (the day's row,
 * which every question touches, was the busiest row lock of the log). Each total is added up per
 * key from the rows actually inserted, in key order, so two replicas' batches lock the shared rows
 * in the same order. A group's text, no-answer flag and top source follow its latest record, as
 * they do when the records are written one by one in order of asking.
 */
export const RECORD_QUESTIONS = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
    answer_id text, group_key text, text text, platform text, chat_kind text, conversation_hash text, answered boolean,
    scores jsonb, cited_source_ids jsonb, latency_ms double precision, asked_at bigint, day int, platform_bit int, top_source text, sources text[],
    missing_subject text, asked_by text)
), inserted AS (
  INSERT INTO questions (answer_id, group_key, text, platform, chat_kind, conversation_hash, answered, scores, cited_source_ids, latency_ms, asked_at, day, missing_subject, asked_by)
  SELECT answer_id, group_key, text, platform, chat_kind, conversation_hash, answered, scores, cited_source_ids, latency_ms, asked_at, day, missing_subject, asked_by FROM input
  ON CONFLICT (answer_id) DO NOTHING
  RETURNING answer_id
), added AS (
  SELECT input.* FROM input JOIN inserted USING (answer_id)
), group_day AS (
  INSERT INTO question_group_days AS d (group_key, day, asked, unanswered, upvotes, downvotes, last_asked_at, platforms)
  SELECT group_key, day, count(*), count(*) FILTER (WHERE NOT answered), 0, 0, max(asked_at), bit_or(platform_bit)
  FROM added GROUP BY group_key, day ORDER BY group_key, day
  ON CONFLICT (group_key, day) DO UPDATE SET
    asked = d.asked + excluded.asked,
    unanswered = d.unanswered + excluded.unanswered,
    last_asked_at = greatest(d.last_asked_at, excluded.last_asked_at),
    platforms = d.platforms | excluded.platforms
), group_latest AS (
  SELECT DISTINCT ON (group_key) group_key, text, NOT answered AS no_answer, missing_subject FROM added ORDER BY group_key, asked_at DESC
), group_top_source AS (
  SELECT DISTINCT ON (group_key) group_key, top_source, asked_at FROM added WHERE top_source IS NOT NULL ORDER BY group_key, asked_at DESC
), question_group AS (
  INSERT INTO question_groups AS g (group_key, text, asked, unanswered, upvotes, downvotes, last_asked_at, last_no_answer, platforms, top_source, missing_subject)
  SELECT totals.group_key, latest.text, totals.asked, totals.unanswered, 0, 0, totals.last_asked_at, latest.no_answer, totals.platforms, top.top_source, latest.missing_subject
  FROM (SELECT group_key, count(*) AS asked, count(*) FILTER (WHERE NOT answered) AS unanswered, max(asked_at) AS last_asked_at, bit_or(platform_bit) AS platforms
        FROM added GROUP BY group_key) totals
  JOIN group_latest latest USING (group_key)
  LEFT JOIN group_top_source top USING (group_key)
  ORDER BY totals.group_key
  ON CONFLICT (group_key) DO UPDATE SET
    asked = g.asked + excluded.asked,
    unanswered = g.unanswered + excluded.unanswered,
    platforms = g.platforms | excluded.platforms,
    text = CASE WHEN excluded.last_asked_at >= g.last_asked_at THEN excluded.text ELSE g.text END,
    last_no_answer = CASE WHEN excluded.last_asked_at >= g.last_asked_at THEN excluded.last_no_answer ELSE g.last_no_answer END,
    -- The batch's latest record that cited a source, if it is not older than what the group holds.
    top_source = coalesce(
      (SELECT top.top_source FROM group_top_source top WHERE top.group_key = excluded.group_key AND top.asked_at >= g.last_asked_at),
      g.top_source),
    missing_subject = CASE WHEN excluded.last_asked_at >= g.last_asked_at THEN excluded.missing_subject ELSE g.missing_subject END,
    last_asked_at = greatest(g.last_asked_at, excluded.last_asked_at)
), question_day AS (
  INSERT INTO question_days AS q (day, asked, answered, upvotes, downvotes)
  SELECT day, count(*), count(*) FILTER (WHERE answered), 0, 0 FROM added GROUP BY day ORDER BY day
  ON CONFLICT (day) DO UPDATE SET asked = q.asked + excluded.asked, answered = q.answered + excluded.answered
), source_day AS (
  INSERT INTO source_days AS s (source_id, day, cited)
  SELECT source_id, day, count(*) FROM added, unnest(sources) AS source_id GROUP BY source_id, day ORDER BY source_id, day
  ON CONFLICT (source_id, day) DO UPDATE SET cited = s.cited + excluded.cited
)
SELECT count(*) AS inserted FROM inserted`;

/** One record of RECORD_QUESTIONS's array, named as its columns. */
export interface RecordedRow {
  answer_id: string;
  group_key: string;
  text: string;
  platform: string;
  chat_kind: string;
  conversation_hash: string;
  answered: boolean;
  scores: number[];
  cited_source_ids: string[];
  latency_ms: number;
  asked_at: number;
  day: number;
  /** The platform's bit in the groups' platform set. */
  platform_bit: number;
  /** The first cited source of an answered question, else null. */
  top_source: string | null;
  /** The distinct cited sources, sorted. */
  sources: string[];
  /** The subject a no-answer lacked, else null (missingSubjectOf). */
  missing_subject: string | null;
  /** Who asked (a voter key), else null. */
  asked_by: string | null;
}

/** $1 before: deletes the rows and their votes and takes what they added out of every total, in one statement. */
export const PURGE_QUESTIONS = `
WITH gone AS (
  DELETE FROM questions WHERE asked_at < $1::bigint
  RETURNING answer_id, group_key, day, answered, upvotes, downvotes, cited_source_ids
), gone_feedback AS (
  DELETE FROM feedback f USING gone WHERE f.answer_id = gone.answer_id
), group_days AS (
  UPDATE question_group_days d
  SET asked = d.asked - p.asked, unanswered = d.unanswered - p.unanswered, upvotes = d.upvotes - p.upvotes, downvotes = d.downvotes - p.downvotes
  FROM (SELECT group_key, day, count(*) AS asked, count(*) FILTER (WHERE NOT answered) AS unanswered, sum(upvotes) AS upvotes, sum(downvotes) AS downvotes
        FROM gone GROUP BY group_key, day) p
  WHERE d.group_key = p.group_key AND d.day = p.day
), groups AS (
  UPDATE question_groups g
  SET asked = g.asked - p.asked, unanswered = g.unanswered - p.unanswered, upvotes = g.upvotes - p.upvotes, downvotes = g.downvotes - p.downvotes
  FROM (SELECT group_key, count(*) AS asked, count(*) FILTER (WHERE NOT answered) AS unanswered, sum(upvotes) AS upvotes, sum(downvotes) AS downvotes
        FROM gone GROUP BY group_key) p
  WHERE g.group_key = p.group_key
), days AS (
  UPDATE question_days d
  SET asked = d.asked - p.asked, answered = d.answered - p.answered, upvotes = d.upvotes - p.upvotes, downvotes = d.downvotes - p.downvotes
  FROM (SELECT day, count(*) AS asked, count(*) FILTER (WHERE answered) AS answered, sum(upvotes) AS upvotes, sum(downvotes) AS downvotes
        FROM gone GROUP BY day) p
  WHERE d.day = p.day
), sources AS (
  UPDATE source_days s SET cited = s.cited - p.cited
  FROM (SELECT cited.value AS source_id, gone.day, count(DISTINCT gone.answer_id) AS cited
        FROM gone, jsonb_array_elements_text(gone.cited_source_ids) AS cited(value) GROUP BY cited.value, gone.day) p
  WHERE s.source_id = p.source_id AND s.day = p.day
)
SELECT count(*) AS purged FROM gone`;

/** Totals brought to zero by a purge go; run after PURGE_QUESTIONS in the same transaction (it sees that statement's updates). */
export const DROP_EMPTY_TOTALS = [
  "DELETE FROM question_group_days WHERE asked <= 0",
  "DELETE FROM question_groups WHERE asked <= 0",
  "DELETE FROM question_days WHERE asked <= 0",
  "DELETE FROM source_days WHERE cited <= 0",
];

const filterClauses: Record<QuestionFilter, string> = {
  all: "TRUE",
  unanswered: `g.last_no_answer AND ${NOT_DISMISSED}`,
  downvoted: `g.downvotes > 0 AND ${NOT_DISMISSED}`,
};

/** $1 last asked at or after, $2 limit: the running totals in index order (the window holds everything kept). */
export function groupsInOrder(filter: QuestionFilter): string {
  return `SELECT * FROM question_groups g WHERE ${filterClauses[filter]} AND last_asked_at >= $1 ORDER BY asked DESC, last_asked_at DESC LIMIT $2`;
}

const windowFilterClauses: Record<QuestionFilter, string> = {
  all: "TRUE",
  unanswered: `g.last_no_answer AND ${NOT_DISMISSED}`,
  downvoted: `d.downvotes > 0 AND ${NOT_DISMISSED}`,
};

/** $1 first day, $2 limit: a shorter window adds up the per-day totals of the days in it. */
export function groupsInWindow(filter: QuestionFilter): string {
  return `SELECT d.group_key, g.text, d.asked, d.unanswered, d.upvotes, d.downvotes, d.last_asked_at, g.last_no_answer, d.platforms, g.top_source, g.missing_subject
    FROM (SELECT group_key, sum(asked) AS asked, sum(unanswered) AS unanswered, sum(upvotes) AS upvotes, sum(downvotes) AS downvotes,
                 max(last_asked_at) AS last_asked_at, bit_or(platforms) AS platforms
          FROM question_group_days WHERE day >= $1 GROUP BY group_key) d
    JOIN question_groups g ON g.group_key = d.group_key
    WHERE ${windowFilterClauses[filter]}
    ORDER BY d.asked DESC, d.last_asked_at DESC, d.group_key LIMIT $2`;
}

/** $1 dismissed at, $2 group_key: the queue lists leave the question out until it is asked again. */
export const DISMISS_QUESTION = "UPDATE question_groups SET dismissed_at = $1::bigint WHERE group_key = $2";

/** $1 up, $2 down, $3 answer_id, $4 group_key, $5 day: a changed vote moves every total it counts in, in one statement. */
export const ADJUST_VOTES = `
WITH question AS (
  UPDATE questions SET upvotes = upvotes + $1::int, downvotes = downvotes + $2::int WHERE answer_id = $3
), group_day AS (
  UPDATE question_group_days SET upvotes = upvotes + $1::int, downvotes = downvotes + $2::int WHERE group_key = $4 AND day = $5::int
), question_group AS (
  UPDATE question_groups SET upvotes = upvotes + $1::int, downvotes = downvotes + $2::int WHERE group_key = $4
)
UPDATE question_days SET upvotes = upvotes + $1::int, downvotes = downvotes + $2::int WHERE day = $5::int`;
