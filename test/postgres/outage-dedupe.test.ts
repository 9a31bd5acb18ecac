/**
 * MsgId dedupe while the database is down, on two replicas of the whole bot sharing a cluster of
 * this file's own (stopped mid-test): the shared claims cannot be asked, so each replica falls
 * back to its own memory. A retry reaching the same replica is still dropped; a retry reaching the
 * other replica is answered a second time (answering twice beats not answering). This is the
 * behaviour docs/replicas.md ("When the database goes away") describes for an outage.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { startBot, type RunningBot } from "../../src/main.js";
import { botEnvironment, copySeedKnowledge } from "../server/support/test-server.js";
import { APP_KEYS, postAppText, WEBHOOK_KEY, wecomEnvironment } from "../wecom/support/wecom-test-server.js";
import { startPostgresCluster, type PostgresCluster } from "./support/postgres-cluster.js";

let root: string;
let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let cluster: PostgresCluster;
let fakeApi: FakeWecomApi;
let replicaA: RunningBot;
let replicaB: RunningBot;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-outage-dedupe-"));
  knowledge = await copySeedKnowledge();
  cluster = await startPostgresCluster();
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  const databaseUrl = await cluster.createDatabase();
  const environment = (name: string) => ({
    ...botEnvironment({
      knowledgeDir: knowledge.knowledgeDir,
      indexDir: path.join(root, "index"),
      dataDir: path.join(root, `data-${name}`),
      databaseUrl: databaseUrl,
    }),
    ...wecomEnvironment(fakeApi.baseUrl),
  });
  replicaA = await startBot({ environment: environment("a"), handleSignals: false });
  replicaB = await startBot({ environment: environment("b"), handleSignals: false });
});

afterAll(async () => {
  await replicaA?.stop();
  await replicaB?.stop();
  await fakeApi?.close();
  await cluster?.remove();
  await knowledge?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

async function deliver(replica: RunningBot, msgId: string, userId: string): Promise<void> {
  const response = await postAppText(replica.url, { userId, content: "五指山在哪个省", msgId });
  expect(response.status).toBe(200);
}

it("during an outage a WeCom retry on the same replica is dropped, and one reaching the other replica is answered again", async () => {
  const sentTo = (userId: string) => fakeApi.sentMessages.filter((call) => call.body.touser === userId);
  // With the database up, a retry on the other replica is a repeat.
  const upMsgId = `${Date.now()}51`;
  await deliver(replicaA, upMsgId, "outage-up");
  await deliver(replicaB, upMsgId, "outage-up");
  await fakeApi.waitFor(() => sentTo("outage-up").length >= 1);

  await cluster.stop();
  const msgId = `${Date.now()}52`;
  await deliver(replicaA, msgId, "outage-down");
  await fakeApi.waitFor(() => sentTo("outage-down").length >= 1);
  expect(replicaA.store.health().state).toBe("degraded");
  // The same replica remembers it in memory.
  await deliver(replicaA, msgId, "outage-down");
  // The other replica cannot ask the shared claims and has not seen it: it answers too.
  await deliver(replicaB, msgId, "outage-down");
  await fakeApi.waitFor(() => sentTo("outage-down").length >= 2);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(sentTo("outage-down")).toHaveLength(2);
  expect(sentTo("outage-up")).toHaveLength(1);
});
