/**
 * The admin queue on PostgreSQL with 1,000,000 logged questions: how long listQuestions and
 * questionStats take. The rows are filled in bulk by SQL (one INSERT … SELECT per table, the running
 * totals computed from the rows the way recording them one by one would leave them), since a
 * million single records would take minutes; the shape matches bench/question-log-cost.ts
 * (50,000 distinct wordings with a long tail, 30 % unanswered, 90 days).
 * Run alone with `npx tsx bench/postgres-queue.ts`, or as part of `npm run bench`.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createLogger } from "../src/core/logger.js";
import { openPostgresStateStore } from "../src/state/postgres-state-store.js";
import { medianListingTimes } from "./queue-listing-times.js";
import { serverOn, startPostgresCluster, type PostgresCluster } from "../test/postgres/support/postgres-cluster.js";

const DAY_MS = 86_400_000;

/** Fills the log: the rows, then every running total from them. */
const FILL = [
  `INSERT INTO questions (answer_id, group_key, text, platform, chat_kind, conversation_hash, answered, scores, cited_source_ids, latency_ms, asked_at, day, upvotes, downvotes)
   SELECT 'a' || n, '问题' || which || '怎么办', '问题' || which || '怎么办？', (ARRAY['web','telegram','wecom'])[1 + n % 3], 'private', 'c' || (n % 5000),
          which % 10 >= 3, '[0.5]', CASE WHEN which % 10 >= 3 THEN jsonb_build_array('source-' || (which % 300)) ELSE '[]'::jsonb END, 3,
          asked_at, (asked_at / ${DAY_MS})::int, CASE WHEN n % 194 = 97 THEN 1 ELSE 0 END, CASE WHEN n % 194 = 0 THEN 1 ELSE 0 END
   FROM (SELECT n, floor(50000 * power(random(), 3))::int AS which, ($1::bigint - floor(random() * 90 * ${DAY_MS}))::bigint AS asked_at
         FROM generate_series(1, $2::int) AS n) generated`,
  `INSERT INTO question_group_days (group_key, day, asked, unanswered, upvotes, downvotes, last_asked_at, platforms)
   SELECT group_key, day, count(*), count(*) FILTER (WHERE NOT answered), sum(upvotes), sum(downvotes), max(asked_at),
          bit_or(CASE platform WHEN 'telegram' THEN 1 WHEN 'wecom' THEN 2 WHEN 'web' THEN 4 ELSE 0 END)
   FROM questions GROUP BY group_key, day`,
  `INSERT INTO question_groups (group_key, text, asked, unanswered, upvotes, downvotes, last_asked_at, last_no_answer, platforms, top_source)
   SELECT q.group_key, max(q.text), count(*), count(*) FILTER (WHERE NOT q.answered), sum(q.upvotes), sum(q.downvotes), max(q.asked_at),
          bool_or(NOT q.answered AND q.asked_at = last.asked_at), bit_or(CASE q.platform WHEN 'telegram' THEN 1 WHEN 'wecom' THEN 2 WHEN 'web' THEN 4 ELSE 0 END),
          max(q.cited_source_ids ->> 0)
   FROM questions q JOIN (SELECT group_key, max(asked_at) AS asked_at FROM questions GROUP BY group_key) last ON last.group_key = q.group_key
   GROUP BY q.group_key`,
  `INSERT INTO question_days (day, asked, answered, upvotes, downvotes)
   SELECT day, count(*), count(*) FILTER (WHERE answered), sum(upvotes), sum(downvotes) FROM questions GROUP BY day`,
  `INSERT INTO source_days (source_id, day, cited)
   SELECT cited.value, day, count(*) FROM questions, jsonb_array_elements_text(cited_source_ids) AS cited(value) GROUP BY cited.value, day`,
  "ANALYZE",
];

export async function benchPostgresQueue(total = 1_000_000): Promise<Record<string, unknown>> {
  let cluster: PostgresCluster | undefined;
  const server = process.env.BENCH_DATABASE_URL ? serverOn(process.env.BENCH_DATABASE_URL) : (cluster = await startPostgresCluster({ durable: true }));
  const databaseUrl = await server.createDatabase("kb_bench_queue");
  const store = await openPostgresStateStore({ databaseUrl, logger: createLogger("silent") });
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const now = Date.now();
    const fillStarted = performance.now();
    for (const [index, statement] of FILL.entries()) await admin.query(statement, index === 0 ? [now, total] : []);
    const fillSeconds = +((performance.now() - fillStarted) / 1000).toFixed(1);
    const timings = await medianListingTimes(store, now, (filter, days) => `${filter}${days}dMedianMs`);
    const statsRuns: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      await store.questionStats({ days: 30, now });
      statsRuns.push(performance.now() - started);
    }
    return { questions: total, fillSeconds, ...timings, stats30dMedianMs: +statsRuns.sort((a, b) => a - b)[2]!.toFixed(1) };
  } finally {
    await admin.end();
    await store.close();
    if (!cluster) await server.dropDatabase(databaseUrl);
    await cluster?.remove();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.stdout.write(`${JSON.stringify({ section: "postgres-queue", ...(await benchPostgresQueue(Number(process.env.BENCH_QUEUE_ROWS ?? 1_000_000))) })}\n`);
}
