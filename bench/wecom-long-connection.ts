/**
 * The WeCom long connection under load, against the fake long-connection server on 127.0.0.1 with
 * the real bot over the seed knowledge:
 *   - from a message callback to its first stream frame (the placeholder), p50 / p99, one message
 *     at a time;
 *   - 200 messages from 20 chats in one burst: every one answered exactly once (one placeholder and
 *     one finished frame), with p50 / p99 from the callback to the finished answer, beside the same
 *     questions asked one burst at a time over POST /api/ask in the same run.
 * Run alone with `npx tsx bench/wecom-long-connection.ts`; `npm run bench` runs it too.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createWecomAdapter } from "../adapters/wecom/index.js";
import { startFakeLongConnectionServer } from "../adapters/wecom/testing/fake-long-connection-server.js";
import { LocalKnowledgeBot } from "../src/bot/local-knowledge-bot.js";
import { percentile as sortedPercentile } from "../src/cli/evaluate.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/core/logger.js";
import { createServer } from "../src/server/create-server.js";

const KEYS = { botId: "aibBench0001", secret: "bench-long-connection-secret" };
const CHATS = 20;
const PER_CHAT = 10;
const QUESTIONS = ["亲情账户怎么开通", "家庭共济账户可以给谁用", "亲情账户和家庭共济账户有什么区别", "医保个人账户可以给家人用吗", "异地就医怎么备案"];

const knowledgeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), import.meta.url.includes("/dist/") ? "../.." : "..", "knowledge");

/** Milliseconds to one decimal. */
function percentile(values: number[], fraction: number): number {
  return (
    Math.round(
      sortedPercentile(
        [...values].sort((left, right) => left - right),
        fraction,
      ) * 10,
    ) / 10
  );
}

function textMessage(msgid: string, userId: string, content: string, chatid?: string): Record<string, unknown> {
  return {
    msgid,
    aibotid: KEYS.botId,
    ...(chatid ? { chatid, chattype: "group" } : { chattype: "single" }),
    from: { userid: userId },
    msgtype: "text",
    text: { content },
  };
}

async function until(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the benchmark did not finish in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function runWecomLongConnectionBenchmark(): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-bench-long-connection-"));
  const bot = await LocalKnowledgeBot.open(
    { knowledgeDir, indexDir: path.join(work, "index"), embedder: { kind: "local", batchSize: 64 }, publicBaseUrl: "http://127.0.0.1:3000" },
    { buildIfMissing: true },
  );
  const server = await startFakeLongConnectionServer(KEYS);
  const config = loadConfig({ WECOM_BOT_ID: KEYS.botId, WECOM_BOT_SECRET: KEYS.secret, WECOM_BOT_WS_URL: server.url, RATE_LIMIT_PER_MINUTE: "0" });
  const logger = createLogger("silent");
  // Twenty chats answered side by side: one answering slot per chat, as many slots as chats.
  const adapter = createWecomAdapter({ bot, config, logger }, { queue: { concurrency: CHATS } });
  const web = createServer({ bot, config, logger, adapters: [adapter], indexPollMs: 0 });
  const { port } = await web.start({ host: "127.0.0.1", port: 0 });
  try {
    await until(() => adapter.connections?.()["wecom-long-connection"]?.state === "connected");
    let counter = 0;
    const pushedAt = new Map<string, number>();
    const push = (userId: string, content: string, chatid?: string) => {
      counter += 1;
      const before = performance.now();
      const requestId = server.pushMessage(textMessage(`bench-${counter}`, userId, content, chatid));
      pushedAt.set(requestId, before);
      return requestId;
    };

    // Warm up the answer path, then one message at a time: callback → placeholder.
    for (const question of QUESTIONS) {
      const requestId = push("warm", question);
      await until(() => server.repliesTo(requestId).length === 2);
    }
    const firstFrame: number[] = [];
    for (let index = 0; index < 50; index += 1) {
      const requestId = push(`single-${index}`, QUESTIONS[index % QUESTIONS.length]!);
      await until(() => server.repliesTo(requestId).length === 2);
      firstFrame.push(server.repliesTo(requestId)[0]!.at - pushedAt.get(requestId)!);
    }

    // The burst: 20 group chats, 10 members' questions each, all at once.
    const burst: string[] = [];
    for (let chat = 0; chat < CHATS; chat += 1) {
      for (let member = 0; member < PER_CHAT; member += 1)
        burst.push(push(`member-${member}`, QUESTIONS[(chat + member) % QUESTIONS.length]!, `wrChat${chat}`));
    }
    await until(() => burst.every((requestId) => server.repliesTo(requestId).length >= 2));
    // Let any stray frame arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const frames = burst.map((requestId) => server.repliesTo(requestId));
    const finished = frames.map((replies) => replies.filter((frame) => (frame.body as { stream?: { finish?: boolean } }).stream?.finish === true));
    const answeredExactlyOnce = frames.every((replies, index) => replies.length === 2 && finished[index]!.length === 1);
    const toAnswer = burst.map((requestId, index) => finished[index]![0]!.at - pushedAt.get(requestId)!);

    // The same 200 questions over /api/ask, sent the same way: all at once.
    const askLatencies = await Promise.all(
      burst.map(async (_, index) => {
        const question = QUESTIONS[(Math.floor(index / PER_CHAT) + (index % PER_CHAT)) % QUESTIONS.length]!;
        const started = performance.now();
        const response = await fetch(`http://127.0.0.1:${port}/api/ask`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ question }),
        });
        await response.text();
        return performance.now() - started;
      }),
    );
    return {
      firstStreamFrameMs: { p50: percentile(firstFrame, 0.5), p99: percentile(firstFrame, 0.99), samples: firstFrame.length },
      burst: {
        messages: burst.length,
        chats: CHATS,
        answeredExactlyOnce,
        errorAcks: server.acks.filter((ack) => ack.errcode !== 0).length,
        toFinishedAnswerMs: { p50: percentile(toAnswer, 0.5), p99: percentile(toAnswer, 0.99) },
        apiAskSameBurstMs: { p50: percentile(askLatencies, 0.5), p99: percentile(askLatencies, 0.99) },
      },
    };
  } finally {
    await web.close();
    await server.close();
    await bot.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify({ section: "wecom-long-connection", ...(await runWecomLongConnectionBenchmark()) })}\n`);
}
