/**
 * What the question log costs: /api/ask p50/p99 on two servers over the same index, one with
 * QUESTION_LOG=on (SQLite state store) and one with QUESTION_LOG=off, requests interleaved so both
 * see the same machine load; then the admin queue's listing time with 1,000,000 logged questions.
 * Run alone with `npx tsx bench/question-log-cost.ts`, or as part of `npm run bench`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LocalKnowledgeBot } from "../src/bot/local-knowledge-bot.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/core/logger.js";
import { createConfiguredResponder } from "../src/conversation/conversation-settings.js";
import { createServer } from "../src/server/create-server.js";
import { questionGroupKey } from "../src/state/question-group-key.js";
import { openSqliteStateStore } from "../src/state/sqlite-state-store.js";
import type { QuestionRecord } from "../src/state/state-store.js";
import { medianListingTimes } from "./queue-listing-times.js";
import { percentile } from "../src/cli/evaluate.js";

/** The shipped knowledge folder, from bench/ (tsx) or dist/bench/ (npm run bench). */
const defaultKnowledgeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), import.meta.url.includes("/dist/") ? "../.." : "..", "knowledge");
const QUESTIONS = ["亲情账户和家庭共济账户有什么区别", "五指山在哪个省", "宝宝湿疹怎么护理", "江苏省内农保卡可以跨市使用么", "医保卡丢了怎么办"];

export async function benchAskWithQuestionLog(knowledgeDir = defaultKnowledgeDir, rounds = 600): Promise<Record<string, number>> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-bench-qlog-"));
  const logger = createLogger("silent");
  const bot = await LocalKnowledgeBot.open(
    { knowledgeDir, indexDir: path.join(work, "index"), embedder: { kind: "local", batchSize: 64 }, publicBaseUrl: "http://127.0.0.1:3000" },
    { buildIfMissing: true },
  );
  const store = openSqliteStateStore({ dataDir: path.join(work, "data") });
  const servers: { url: string; close(): Promise<void>; latencies: number[] }[] = [];
  try {
    for (const questionLog of ["on", "off"] as const) {
      const config = loadConfig({ KNOWLEDGE_DIR: knowledgeDir, INDEX_DIR: path.join(work, "index"), QUESTION_LOG: questionLog, RATE_LIMIT_PER_MINUTE: "0" });
      // Both keep conversation memory in the store, as the server does whatever QUESTION_LOG says: the difference is the log alone.
      const responder = createConfiguredResponder({ bot, config, logger, store });
      const server = createServer({ bot, config, logger, responder, store, indexPollMs: 0 });
      const { port } = await server.start({ host: "127.0.0.1", port: 0 });
      servers.push({ url: `http://127.0.0.1:${port}`, close: () => server.close(), latencies: [] });
    }
    const ask = async (url: string, question: string) => {
      const started = performance.now();
      const response = await fetch(`${url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) });
      await response.json();
      return performance.now() - started;
    };
    // Warm-up, then interleave: on, off, on, off … so both meet the same load and caches.
    for (let round = 0; round < 50; round++) for (const server of servers) await ask(server.url, QUESTIONS[round % QUESTIONS.length]!);
    for (let round = 0; round < rounds; round++) {
      for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
        server.latencies.push(await ask(server.url, QUESTIONS[round % QUESTIONS.length]!));
      }
    }
    const [on, off] = servers.map((server) => server.latencies.sort((a, b) => a - b));
    const round2 = (value: number) => +value.toFixed(2);
    return {
      requests: rounds,
      onP50Ms: round2(percentile(on!, 0.5)),
      offP50Ms: round2(percentile(off!, 0.5)),
      onP99Ms: round2(percentile(on!, 0.99)),
      offP99Ms: round2(percentile(off!, 0.99)),
      addedP50Ms: round2(percentile(on!, 0.5) - percentile(off!, 0.5)),
      addedP99Ms: round2(percentile(on!, 0.99) - percentile(off!, 0.99)),
    };
  } finally {
    for (const server of servers) await server.close();
    await store.close();
    await bot.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** 1,000,000 questions over 90 days, 50,000 distinct wordings (a long tail), 30 % unanswered, some down-voted. */
export async function benchQueueListing(total = 1_000_000): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-bench-queue-"));
  const store = openSqliteStateStore({ dataDir: work });
  try {
    const now = Date.now();
    const distinct = 50_000;
    const fillStarted = performance.now();
    const batch = 50_000;
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (let start = 0; start < total; start += batch) {
      const records: QuestionRecord[] = [];
      for (let index = start; index < Math.min(total, start + batch); index++) {
        // A skewed pick: a few questions are asked very often, most rarely.
        const which = Math.floor(distinct * random() ** 3);
        const text = `问题${which}怎么办？`;
        const answered = which % 10 >= 3;
        records.push({
          answerId: `a${index}`,
          text,
          groupKey: questionGroupKey(text),
          platform: (["web", "telegram", "wecom"] as const)[index % 3]!,
          chatKind: "private",
          conversationHash: `c${index % 5000}`,
          answered,
          scores: [0.5],
          citedSourceIds: answered ? [`source-${which % 300}`] : [],
          latencyMs: 3,
          askedAt: now - Math.floor(random() * 90 * 86_400_000),
        });
      }
      store.recordQuestionsInBulk(records);
    }
    for (let index = 0; index < total; index += 97) {
      await store.recordVote({ answerId: `a${index}`, voter: "web:bench", rating: index % 2 === 0 ? "down" : "up", at: now });
    }
    const fillSeconds = +((performance.now() - fillStarted) / 1000).toFixed(1);
    const timings = await medianListingTimes(store, now, (filter, days) => `${filter}-${days}d-ms`);
    const statsStarted = performance.now();
    await store.questionStats({ days: 30, now });
    return { questions: total, distinct, fillSeconds, listMedianOf5: timings, stats30dMs: +(performance.now() - statsStarted).toFixed(1) };
  } finally {
    await store.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify({ section: "question-log-ask", ...(await benchAskWithQuestionLog()) })}\n`);
  if (!process.argv.includes("--ask-only")) process.stdout.write(`${JSON.stringify({ section: "question-log-queue", ...(await benchQueueListing()) })}\n`);
}
