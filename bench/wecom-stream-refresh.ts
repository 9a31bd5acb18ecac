/**
 * What keeping AI-bot streams in the state store costs a callback: signed, encrypted messages
 * and refresh callbacks on 127.0.0.1, first on one replica keeping streams in memory (no store),
 * then on two replicas sharing one SQLite store in a temporary folder, each message opened on one
 * replica and refreshed on the other until its answer shows. Reports p50 / p99 of the message and
 * refresh callbacks and callbacks per second; every stream must end with its own answer.
 *
 *   npx tsx bench/wecom-stream-refresh.ts [messages=400] [concurrency=8]
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { createWecomAdapter } from "../adapters/wecom/index.js";
import { startFakeWecomApi } from "../adapters/wecom/testing/fake-wecom-api.js";
import { serveAdapterOnLoopback, type ServedAdapter } from "../adapters/wecom/testing/serve-adapter.js";
import { aiBotRefreshMessage, aiBotTextMessage, openPassiveReply, sealCallback } from "../adapters/wecom/testing/signed-callbacks.js";
import { percentile } from "../src/cli/evaluate.js";
import { loadConfig } from "../src/config.js";
import type { StateStore } from "../src/state/state-store.js";
import { openSqliteStateStore } from "../src/state/sqlite-state-store.js";
import { createEchoBot } from "./echo-bot.js";

const BOT = { token: "BenchBotToken", encodingAesKey: "benchbotbenchbotbenchbotbenchbotbenchbot123" };
const keys = { ...BOT, receiveId: "" };

async function startReplica(apiBase: string, store: StateStore | undefined): Promise<ServedAdapter> {
  const config = loadConfig({
    WECOM_BOT_TOKEN: BOT.token,
    WECOM_BOT_ENCODING_AES_KEY: BOT.encodingAesKey,
    WECOM_API_BASE: apiBase,
    MAX_BODY_BYTES: "16384",
    LOG_LEVEL: "silent",
  });
  const adapter = createWecomAdapter({ bot: createEchoBot({ thinkMs: 30 }), config, logger: pino({ level: "silent" }), store });
  return serveAdapterOnLoopback(adapter);
}

interface StreamJson {
  stream: { id: string; finish: boolean; content: string };
}

async function call(baseUrl: string, plaintext: string, latencies: number[]): Promise<StreamJson["stream"]> {
  const sealed = sealCallback(keys, plaintext);
  const started = performance.now();
  const response = await fetch(`${baseUrl}/wecom/bot?${sealed.query}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ encrypt: sealed.encrypt }),
  });
  const body = await response.text();
  latencies.push(performance.now() - started);
  if (response.status !== 200) throw new Error(`callback answered ${response.status}`);
  return (openPassiveReply(keys, JSON.parse(body)).json as StreamJson).stream;
}

/** The nearest-rank percentile every bench and `kb eval` report. */
const percentileOf = (values: number[], fraction: number) =>
  percentile(
    [...values].sort((left, right) => left - right),
    fraction,
  );

async function run(label: string, opener: ServedAdapter, refresher: ServedAdapter, messages: number, concurrency: number) {
  const openLatencies: number[] = [];
  const refreshLatencies: number[] = [];
  let wrong = 0;
  let next = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    while (next < messages) {
      const index = next++;
      const msgid = `${label}-${index}`;
      const userId = `bench-user-${index}`;
      const opened = await call(opener.baseUrl, aiBotTextMessage({ msgid, userId, content: `问题${index}` }), openLatencies);
      let stream = opened;
      while (!stream.finish) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        stream = await call(refresher.baseUrl, aiBotRefreshMessage({ msgid, userId, streamId: opened.id }), refreshLatencies);
      }
      if (!stream.content.includes(`问题${index}`)) wrong++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const callbacks = openLatencies.length + refreshLatencies.length;
  return {
    label,
    messages,
    callbacksPerSecond: Math.round(callbacks / seconds),
    messageP50Ms: +percentileOf(openLatencies, 0.5).toFixed(2),
    messageP99Ms: +percentileOf(openLatencies, 0.99).toFixed(2),
    refreshes: refreshLatencies.length,
    refreshP50Ms: +percentileOf(refreshLatencies, 0.5).toFixed(2),
    refreshP99Ms: +percentileOf(refreshLatencies, 0.99).toFixed(2),
    wrongAnswers: wrong,
  };
}

const messages = Number(process.argv[2] ?? 400);
const concurrency = Number(process.argv[3] ?? 8);
const fakeApi = await startFakeWecomApi({ corpId: "wwbenchcorp0000001", secret: "bench-secret" });
const dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-bench-streams-"));
try {
  const single = await startReplica(fakeApi.baseUrl, undefined);
  const inMemory = await run("memory", single, single, messages, concurrency);
  await single.close();

  const store = openSqliteStateStore({ dataDir });
  const replicaA = await startReplica(fakeApi.baseUrl, store);
  const replicaB = await startReplica(fakeApi.baseUrl, store);
  const shared = await run("sqlite-two-replicas", replicaA, replicaB, messages, concurrency);
  await replicaA.close();
  await replicaB.close();
  await store.close();

  console.log(JSON.stringify({ concurrency, results: [inMemory, shared] }, null, 2));
  if (inMemory.wrongAnswers + shared.wrongAnswers > 0) process.exitCode = 1;
} finally {
  await fakeApi.close();
  await rm(dataDir, { recursive: true, force: true });
}
