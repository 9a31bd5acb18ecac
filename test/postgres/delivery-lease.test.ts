/**
 * A WeCom delivery claimed by a replica that died before acknowledging it, on two replicas of the
 * whole bot sharing one PostgreSQL. The dead replica is what it wrote to the shared store through
 * the adapter's own code: its claim of the MsgId (and, for the AI bot, the stream it opened), never
 * confirmed. WeCom's retry, once that lease has lapsed, is answered by the replica it reaches, once;
 * a lease still running holds the retry off; a confirmed claim (for the app: the record that its
 * answer went out) keeps every later retry out.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAnswerStreams } from "../../adapters/wecom/answer-streams.js";
import { claimDelivery, DELIVERY_LEASE_MS } from "../../adapters/wecom/delivery-claims.js";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { aiBotRefreshMessage, aiBotTextMessage } from "../../adapters/wecom/testing/signed-callbacks.js";
import { startBot, type RunningBot } from "../../src/main.js";
import { botEnvironment, copySeedKnowledge } from "../server/support/test-server.js";
import { callStream } from "../wecom/support/ai-bot-calls.js";
import { APP_KEYS, postAppText, WEBHOOK_KEY, wecomEnvironment } from "../wecom/support/wecom-test-server.js";
import { capturedLogger, useTestDatabase } from "./support/test-database.js";

const database = useTestDatabase();

let root: string;
let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let fakeApi: FakeWecomApi;
let replicaA: RunningBot;
let replicaB: RunningBot;

function environment(name: string): Record<string, string> {
  return {
    ...botEnvironment({
      knowledgeDir: knowledge.knowledgeDir,
      indexDir: path.join(root, "index"),
      dataDir: path.join(root, `data-${name}`),
      databaseUrl: database.get().url,
    }),
    ...wecomEnvironment(fakeApi.baseUrl),
  };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-delivery-lease-"));
  knowledge = await copySeedKnowledge();
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  replicaA = await startBot({ environment: environment("a"), handleSignals: false });
  replicaB = await startBot({ environment: environment("b"), handleSignals: false });
});

afterAll(async () => {
  await replicaA?.stop();
  await replicaB?.stop();
  await fakeApi?.close();
  await knowledge?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

async function deliverApp(replica: RunningBot, msgId: string, userId: string): Promise<void> {
  const response = await postAppText(replica.url, { userId, content: "五指山在哪个省", msgId });
  expect(response.status).toBe(200);
}

/** The dead replica's claim, taken when WeCom's first delivery reached it. */
async function claimedByDeadReplica(claimId: string): Promise<void> {
  expect(await claimDelivery(replicaA.store, claimId, capturedLogger().logger)).toBe(true);
}

/** WeCom re-sends 5 s after a delivery it got no answer to: by then the lease has lapsed. */
const untilRetry = () => new Promise((resolve) => setTimeout(resolve, DELIVERY_LEASE_MS));

/** A claim that still holds past any lease was confirmed. */
async function confirmed(claimId: string): Promise<boolean> {
  return !(await replicaA.store.claim("wecom-msgid", claimId, DELIVERY_LEASE_MS, Date.now() + DELIVERY_LEASE_MS + 1));
}

/** Waits until the dedupe record of `claimId` outlives any lease: the delivery was marked answered (read underneath, changing nothing). */
async function markedAnswered(claimId: string): Promise<void> {
  for (let checks = 0; ; checks++) {
    const { rows } = await database
      .get()
      .admin.query<{ expires_at: string }>("SELECT expires_at FROM dedupe WHERE kind = 'wecom-msgid' AND id = $1", [claimId]);
    if (rows[0] && Number(rows[0].expires_at) > Date.now() + DELIVERY_LEASE_MS) return;
    if (checks > 1000) throw new Error(`${claimId} was never marked answered`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Room for a send that should not come, had a replica answered a repeat. */
const quietPeriod = () => new Promise((resolve) => setTimeout(resolve, 1500));

it("a self-built app message whose first replica died after its lease is answered once by the replica the retry reaches", async () => {
  const msgId = `${Date.now()}31`;
  const userId = "lease-user-app";
  await claimedByDeadReplica(`app:${msgId}`);
  await untilRetry();
  await deliverApp(replicaB, msgId, userId);
  const sentTo = () => fakeApi.sentMessages.filter((call) => call.body.touser === userId);
  await fakeApi.waitFor(() => sentTo().length >= 1);
  // B marks the message answered once its reply went out: WeCom's third delivery, reaching A, is a repeat.
  await markedAnswered(`app:${msgId}`);
  await deliverApp(replicaA, msgId, userId);
  await quietPeriod();
  expect(sentTo()).toHaveLength(1);
  expect(JSON.stringify(sentTo()[0]!.body)).toContain("海南");
});

it("a lease still running holds a retry off: the first replica is still at work", async () => {
  const msgId = `${Date.now()}32`;
  const userId = "lease-user-busy";
  // A's claim, as long as this test needs it to run: however slow the machine, the retry lands within it.
  expect(await replicaA.store.claim("wecom-msgid", `app:${msgId}`, 60_000)).toBe(true);
  await deliverApp(replicaB, msgId, userId);
  await quietPeriod();
  expect(fakeApi.sentMessages.filter((call) => call.body.touser === userId)).toHaveLength(0);
});

it("an AI-bot message whose first replica opened its stream and died is answered into that stream by the replica the retry reaches", async () => {
  const msgid = `lease-stream-${Date.now()}`;
  const userId = "lease-user-bot";
  // What the dead replica wrote: the stream (through the adapter's code, on the shared store) and its claim.
  const deadReplicaStreams = createAnswerStreams({ values: replicaA.store, logger: capturedLogger().logger, postLateAnswer: async () => undefined });
  const { stream: opened } = await deadReplicaStreams.open(msgid, undefined);
  deadReplicaStreams.close();
  await claimedByDeadReplica(`bot:${msgid}`);
  await untilRetry();

  const retried = await callStream(replicaB.url, aiBotTextMessage({ msgid, userId, content: "五指山在哪个省" }));
  expect(retried.id).toBe(opened.id);
  const deadline = Date.now() + 20_000;
  let finished = retried;
  while (!finished.finish) {
    if (Date.now() > deadline) throw new Error("the stream was never finished");
    await new Promise((resolve) => setTimeout(resolve, 50));
    finished = await callStream(replicaA.url, aiBotRefreshMessage({ msgid, userId, streamId: opened.id }));
  }
  expect(finished.content).toContain("海南");
  // A later retry reaching A gets the same stream; B's confirmed claim keeps A from answering again.
  const again = await callStream(replicaA.url, aiBotTextMessage({ msgid, userId, content: "五指山在哪个省" }));
  expect(again.id).toBe(opened.id);
  expect(await confirmed(`bot:${msgid}`)).toBe(true);
});
