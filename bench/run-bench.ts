/**
 * `npm run bench`: the measurements that are too slow or too noisy for tests. Prints one JSON
 * object per section, as measured on this machine.
 *   - medqa: full re-index of the 7,244-row corpus, incremental re-index with one changed source and
 *     the anchor (the keyword index alone), side by side in five rounds with the time of each build
 *     step (bench/reindex-cost.ts runs only this); retrieval quality and `retrieve` latency p50/p99
 *     on the dev queries;
 *   - follow-ups: what resolving follow-ups adds to `retrieve` and `answer` p50 (bench/follow-up-cost.ts);
 *   - scale: synthetic indexes of 10k, 30k and 100k chunks (bench/scale-one.ts, one process each);
 *   - wecom: a bounded load test of signed WeCom app callbacks on 127.0.0.1;
 *   - wecom long connection: callback → first stream frame, and a burst of 200 messages from 20
 *     chats beside the same questions over /api/ask (bench/wecom-long-connection.ts);
 *   - question log: /api/ask p50/p99 with QUESTION_LOG on vs off, and the admin queue listing with
 *     1,000,000 logged questions (bench/question-log-cost.ts);
 *   - documents: a 200-page Chinese PDF and a 100-page Word document indexed (bench/document-cost.ts);
 *   - health during re-index: /healthz p50/p99 of a real server while a dry-run re-index parses a
 *     generated 1,000,000-row CSV, then a 300,000-row .xlsx (bench/health-during-reindex.ts; target p99 ≤ 200 ms);
 *   - replicas: /api/ask throughput and p99 of two replicas against one on one PostgreSQL, and
 *     /api/ask p50/p99 with the PostgreSQL store beside SQLite (bench/replicas.ts; needs Debian's
 *     `postgresql` or BENCH_DATABASE_URL), and the admin queue listing on PostgreSQL with 1,000,000
 *     logged questions (bench/postgres-queue.ts).
 * Needs ../shared/eval/medqa beside the project (the evaluation set is not shipped with it).
 */
import { execFileSync } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evaluate, readEvaluationQueries } from "../src/cli/evaluate.js";
import { buildIndex } from "../src/ingest/build-index.js";
import { loadIndex } from "../src/store/loaded-index.js";
import { LocalKnowledgeBot } from "../src/bot/local-knowledge-bot.js";
import { benchDocuments } from "./document-cost.js";
import { benchFollowUpCost } from "./follow-up-cost.js";
import { benchHealthDuringReindex } from "./health-during-reindex.js";
import { benchOcr } from "./ocr-cost.js";
import { benchAskWithQuestionLog, benchQueueListing } from "./question-log-cost.js";
import { benchPostgresQueue } from "./postgres-queue.js";
import { benchReindex } from "./reindex-cost.js";
import { benchReplicas } from "./replicas.js";
import { runWecomLoadBenchmark } from "./wecom-load.js";
import { runWecomLongConnectionBenchmark } from "./wecom-long-connection.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), process.env.BENCH_PROJECT_ROOT ?? "../..");
const medqaDir = path.resolve(projectRoot, "../shared/eval/medqa");
const local = { kind: "local" as const, batchSize: 64 };

function print(section: string, values: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ section, ...values })}\n`);
}

async function benchMedqa(): Promise<void> {
  // Anchor (the keyword index alone), full and incremental re-index, side by side in five rounds.
  print("medqa-reindex", await benchReindex(5));
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-bench-"));
  try {
    const knowledgeDir = path.join(work, "knowledge");
    const indexDir = path.join(work, "index");
    await cp(path.join(medqaDir, "corpus.csv"), path.join(knowledgeDir, "corpus.csv"), { recursive: true });
    await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    const index = await loadIndex(indexDir, local);
    const queries = await readEvaluationQueries(path.join(medqaDir, "dev-queries.jsonl"));
    const report = await evaluate(index, queries, 10);
    print("medqa-eval", {
      queries: report.queries,
      hitAt1: +report.hitAt1.toFixed(3),
      hitAt5: +report.hitAt5.toFixed(3),
      hitAt10: +report.hitAt10.toFixed(3),
      mrrAt10: +report.mrrAt10.toFixed(3),
      noAnswerRate: +report.noAnswerRate.toFixed(3),
      retrieveP50Ms: +report.latencyMs.p50.toFixed(2),
      retrieveP99Ms: +report.latencyMs.p99.toFixed(2),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
    });
    const bot = await LocalKnowledgeBot.open({ knowledgeDir, indexDir, embedder: local, publicBaseUrl: "http://127.0.0.1:3000" });
    print("follow-ups", await benchFollowUpCost(index, path.join(projectRoot, "test/fixtures/conversations-medqa.jsonl"), bot));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await benchMedqa();
const scaleScript = fileURLToPath(new URL("./scale-one.js", import.meta.url));
for (const size of (process.env.BENCH_SCALE_SIZES ?? "10000,30000,100000").split(",").filter(Boolean).map(Number)) {
  const output = execFileSync(process.execPath, [scaleScript, String(size), medqaDir], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  print("scale", JSON.parse(output.trim().split("\n").pop()!) as Record<string, unknown>);
}
print("wecom-load", await runWecomLoadBenchmark({ durationSeconds: 10 }));
print("wecom-long-connection", await runWecomLongConnectionBenchmark());
print("question-log-ask", await benchAskWithQuestionLog(path.join(projectRoot, "knowledge")));
print("question-log-queue", await benchQueueListing());
const replicas = await benchReplicas();
print("replicas-throughput", replicas.throughput);
print("replicas-log-write", replicas.logWrite);
print("postgres-queue", await benchPostgresQueue());
print("ocr", await benchOcr());
print("documents", await benchDocuments());
print("health-during-reindex", await benchHealthDuringReindex());
