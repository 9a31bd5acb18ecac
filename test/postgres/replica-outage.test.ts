/**
 * A replica whose PostgreSQL goes away (a cluster of this file's own, stopped and started again)
 * keeps answering from its index, shows the degraded store in /healthz, and once the server is
 * back has logged the questions it answered meanwhile.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startBot, type RunningBot } from "../../src/main.js";
import { botEnvironment, copySeedKnowledge, TEST_ADMIN_TOKEN } from "../server/support/test-server.js";
import { startPostgresCluster, type PostgresCluster } from "./support/postgres-cluster.js";

let root: string;
let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let cluster: PostgresCluster;
let replica: RunningBot;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-replica-outage-"));
  knowledge = await copySeedKnowledge();
  cluster = await startPostgresCluster();
  const databaseUrl = await cluster.createDatabase();
  replica = await startBot({
    environment: {
      ...botEnvironment({
        knowledgeDir: knowledge.knowledgeDir,
        indexDir: path.join(root, "index"),
        dataDir: path.join(root, "data"),
        databaseUrl: databaseUrl,
      }),
    },
    handleSignals: false,
  });
});

afterAll(async () => {
  await replica?.stop();
  await cluster?.remove();
  await knowledge?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

async function ask(question: string): Promise<{ status: number; body: { noAnswer: boolean; answerId: string } }> {
  const response = await fetch(`${replica.url}/api/ask`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question }),
  });
  return { status: response.status, body: await response.json() };
}

async function healthz(): Promise<string> {
  return JSON.stringify(await (await fetch(`${replica.url}/healthz`)).json());
}

it("keeps answering while its database is down, reports it, and logs what it answered once the database is back", async () => {
  expect((await ask("五指山在哪个省")).body.noAnswer).toBe(false);
  await cluster.stop();

  const during = await ask("五指山在哪个省");
  expect(during.status).toBe(200);
  expect(during.body.noAnswer).toBe(false);
  const degraded = await healthz();
  expect(degraded).toContain('"degraded"');
  expect(degraded).toContain("cannot be reached");
  expect(degraded).not.toContain(cluster.password);
  // The admin API needs the store: it says so instead of showing an empty log.
  const queue = await fetch(`${replica.url}/api/admin/questions?filter=all&days=7`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  expect(queue.status).toBe(503);
  expect(queue.headers.get("retry-after")).toBe("5");
  // A vote cannot be kept, so it is not acknowledged.
  const vote = await fetch(`${replica.url}/api/feedback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ answerId: during.body.answerId, rating: "up" }),
  });
  expect(vote.status).toBe(503);
  expect(((await vote.json()) as { error: { code: string } }).error.code).toBe("STATE_STORE_UNAVAILABLE");

  await cluster.start();
  const deadline = Date.now() + 20_000;
  while (replica.store.health().state !== "ok") {
    if (Date.now() > deadline) throw new Error("the store did not recover");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(await replica.store.findAnswer(during.body.answerId)).toMatchObject({ answerId: during.body.answerId, answered: true });
  expect(await healthz()).not.toContain('"degraded"');
});
