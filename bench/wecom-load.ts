/**
 * Load test of the self-built app callback: signed, encrypted XML callbacks with distinct MsgIds
 * (plus some re-deliveries, as WeCom retries) hammer /wecom/app on 127.0.0.1, while a fake WeCom
 * API counts message/send calls. Reports acknowledgements per second and p99 latency, and checks
 * that every acknowledged message got exactly one reply and re-deliveries got none.
 */
import { createRequire } from "node:module";
import pino from "pino";
import { loadConfig } from "../src/config.js";
import type { KnowledgeBot } from "../src/core/knowledge-bot.js";
import { createWecomAdapter } from "../adapters/wecom/index.js";
import { startFakeWecomApi } from "../adapters/wecom/testing/fake-wecom-api.js";
import { serveAdapterOnLoopback } from "../adapters/wecom/testing/serve-adapter.js";
import { appCallbackBody, appTextMessageXml, sealCallback } from "../adapters/wecom/testing/signed-callbacks.js";
import { createEchoBot } from "./echo-bot.js";

/** The slice of autocannon's API used here (the package ships no types). */
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  requests: {
    setupRequest: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
    onResponse: (status: number, body: string, context: Record<string, unknown>) => void;
  }[];
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (options: AutocannonOptions) => Promise<AutocannonResult>;

const KEYS = {
  corpId: "wwbenchcorp0000001",
  agentId: "1000002",
  secret: "bench-secret",
  token: "BenchToken",
  encodingAesKey: "benchbenchbenchbenchbenchbenchbenchbench123",
};

export interface WecomLoadOptions {
  /** Seconds of load; capped at 10. */
  durationSeconds?: number;
  connections?: number;
  /** Every n-th request re-delivers an already acknowledged message, as WeCom's retries do. */
  redeliveryEvery?: number;
  /** Defaults to an instant echo bot, so the route, crypto and delivery are what is measured. */
  bot?: KnowledgeBot;
}

export async function runWecomLoadBenchmark(options: WecomLoadOptions = {}): Promise<Record<string, unknown>> {
  const durationSeconds = Math.min(options.durationSeconds ?? 5, 10);
  const redeliveryEvery = Math.max(2, options.redeliveryEvery ?? 10);
  const fakeApi = await startFakeWecomApi({ corpId: KEYS.corpId, secret: KEYS.secret });
  const config = loadConfig({
    WECOM_CORP_ID: KEYS.corpId,
    WECOM_AGENT_ID: KEYS.agentId,
    WECOM_SECRET: KEYS.secret,
    WECOM_TOKEN: KEYS.token,
    WECOM_ENCODING_AES_KEY: KEYS.encodingAesKey,
    WECOM_API_BASE: fakeApi.baseUrl,
  });
  const adapter = createWecomAdapter({ bot: options.bot ?? createEchoBot(), config, logger: pino({ level: "silent" }) });
  const served = await serveAdapterOnLoopback(adapter);
  const { baseUrl } = served;

  const acknowledged = new Set<string>();
  const deliveries: { msgId: string; body: string; path: string }[] = [];
  let redeliveries = 0;
  let counter = 0;
  let requestNumber = 0;
  const runPrefix = Date.now().toString(36);

  try {
    const result = await autocannon({
      url: baseUrl,
      connections: options.connections ?? 20,
      duration: durationSeconds,
      requests: [
        {
          setupRequest(request, context) {
            requestNumber += 1;
            if (deliveries.length > 0 && requestNumber % redeliveryEvery === 0) {
              const earlier = deliveries[requestNumber % deliveries.length]!;
              context.msgId = earlier.msgId;
              context.redelivery = true;
              return { ...request, method: "POST", path: earlier.path, body: earlier.body, headers: { "content-type": "text/xml" } };
            }
            counter += 1;
            // Distinct MsgIds above 2^53, each from its own user so no user's line fills up.
            const msgId = (9_007_199_254_740_993n + BigInt(counter)).toString();
            const userId = `bench-${runPrefix}-${counter}`;
            const plaintext = appTextMessageXml({ corpId: KEYS.corpId, userId, content: `问题 ${msgId}`, msgId, agentId: KEYS.agentId });
            const sealed = sealCallback({ token: KEYS.token, encodingAesKey: KEYS.encodingAesKey, receiveId: KEYS.corpId }, plaintext);
            const delivery = { msgId, body: appCallbackBody(KEYS.corpId, KEYS.agentId, sealed.encrypt), path: `/wecom/app?${sealed.query}` };
            context.msgId = msgId;
            context.redelivery = false;
            context.delivery = delivery;
            return { ...request, method: "POST", path: delivery.path, body: delivery.body, headers: { "content-type": "text/xml" } };
          },
          onResponse(status, _body, context) {
            if (status !== 200) return;
            if (context.redelivery) {
              redeliveries += 1;
              return;
            }
            acknowledged.add(context.msgId as string);
            deliveries.push(context.delivery as { msgId: string; body: string; path: string });
          },
        },
      ],
    });

    const drainStarted = performance.now();
    await adapter.stop();
    const drainMs = performance.now() - drainStarted;

    const repliesPerMessage = new Map<string, number>();
    for (const call of fakeApi.sentMessages) {
      const content = (call.body.markdown as { content?: string } | undefined)?.content ?? "";
      const msgId = /问题 (\d+)/.exec(content)?.[1];
      if (msgId) repliesPerMessage.set(msgId, (repliesPerMessage.get(msgId) ?? 0) + 1);
    }
    const missing = [...acknowledged].filter((msgId) => !repliesPerMessage.has(msgId)).length;
    const duplicated = [...repliesPerMessage.values()].filter((count) => count > 1).length;
    // Requests still in flight when the run ended were answered but not counted as acknowledged.
    const unacknowledgedReplies = [...repliesPerMessage.keys()].filter((msgId) => !acknowledged.has(msgId)).length;
    return {
      durationSeconds: result.duration,
      connections: options.connections ?? 20,
      requests: result.requests.total,
      acknowledgementsPerSecond: Math.round(result.requests.average),
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      latencyMaxMs: result.latency.max,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      uniqueMessages: acknowledged.size,
      redeliveries,
      messageSendCalls: fakeApi.sentMessages.length,
      missingReplies: missing,
      duplicatedReplies: duplicated,
      repliesToRequestsInFlightAtEnd: unacknowledgedReplies,
      deliveredExactlyOnce: missing === 0 && duplicated === 0 && repliesPerMessage.size === fakeApi.sentMessages.length,
      drainMs: Math.round(drainMs),
    };
  } finally {
    await served.close();
    await fakeApi.close();
  }
}

// `npx tsx bench/wecom-load.ts` runs it alone.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runWecomLoadBenchmark().then(
    (report) => console.log(JSON.stringify(report, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
