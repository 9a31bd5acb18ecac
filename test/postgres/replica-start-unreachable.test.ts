/**
 * A replica started while its PostgreSQL is down (a cluster of this file's own, stopped before the
 * start and started later): it starts anyway, answers from its index, reports the degraded store
 * in /healthz and refuses state work as during an outage; once the server is up it brings the
 * schema up to date (once, however many stores wait), writes what it kept, and listens for
 * announcements on the channels it subscribed to while the database was away.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startBot, type RunningBot } from "../../src/main.js";
import { POSTGRES_MIGRATIONS } from "../../src/state/postgres-migrations.js";
import { openPostgresStateStore } from "../../src/state/postgres-state-store.js";
import { botEnvironment, copySeedKnowledge, TEST_ADMIN_TOKEN } from "../server/support/test-server.js";
import { startPostgresCluster, type PostgresCluster } from "./support/postgres-cluster.js";
import { capturedLogger } from "./support/test-database.js";

let root: string;
let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let cluster: PostgresCluster;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-replica-start-"));
  knowledge = await copySeedKnowledge();
  cluster = await startPostgresCluster();
});

afterAll(async () => {
  await cluster?.remove();
  await knowledge?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function migrationsRecorded(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version")).rows.map((row) => row.version);
  } finally {
    await client.end();
  }
}

async function tablesIn(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map(
      (row) => row.tablename,
    );
  } finally {
    await client.end();
  }
}

it("opens stores degraded while the server is down, migrates once when it is up, and delivers announcements listened for meanwhile", async () => {
  const url = await cluster.createDatabase();
  await cluster.stop();
  const captured = capturedLogger();
  const options = { databaseUrl: url, logger: captured.logger, probeIntervalMs: 100, connectTimeoutMs: 1000 };
  const [first, second] = await Promise.all([openPostgresStateStore(options), openPostgresStateStore(options)]);
  try {
    for (const store of [first, second]) {
      const health = store.health();
      expect(health.state).toBe("degraded");
      expect(health.detail).toMatch(/cannot be reached .* since the replica started/);
      expect(health.detail).not.toContain(cluster.password);
    }
    await expect(first.claim("wecom-msgid", "m1", 60_000)).rejects.toMatchObject({ code: "STATE_STORE_UNAVAILABLE" });
    await expect(first.tryLock("reindex")).rejects.toMatchObject({ code: "STATE_STORE_UNAVAILABLE" });
    const heard: string[] = [];
    await first.listen("index", (payload) => heard.push(payload));

    await cluster.start();
    await waitFor(() => first.health().state === "ok" && second.health().state === "ok");
    expect(await tablesIn(url)).toContain("questions");
    expect(await migrationsRecorded(url)).toEqual(POSTGRES_MIGRATIONS.map((migration) => migration.version));
    expect(await first.claim("wecom-msgid", "m1", 60_000)).toBe(true);
    expect(await second.claim("wecom-msgid", "m1", 60_000)).toBe(false);
    await waitFor(async () => {
      await second.announce("index", "v-after-start");
      return heard.includes("v-after-start");
    });
    const log = captured.lines.map((line) => JSON.parse(line) as { msg: string });
    expect(log.filter((line) => line.msg.startsWith("state store degraded")).length).toBe(2);
    expect(log.filter((line) => line.msg.startsWith("state store schema brought up to date")).length).toBe(2);
    expect(captured.lines.join("")).not.toContain(cluster.password);
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
});

it("a wrong password still fails at start: the server answered, so retrying would not mend it", async () => {
  const url = new URL(await cluster.createDatabase());
  url.password = "not-the-password";
  await expect(openPostgresStateStore({ databaseUrl: url.toString(), logger: capturedLogger().logger })).rejects.toMatchObject({
    code: "STATE_STORE_UNAVAILABLE",
  });
});

it("a whole replica starts while its database is down, answers from its index, and is healthy once the database is up", async () => {
  const databaseUrl = await cluster.createDatabase();
  await cluster.stop();
  let replica: RunningBot | undefined;
  try {
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
    const url = replica.url;
    const healthz = async () => JSON.stringify(await (await fetch(`${url}/healthz`)).json());
    const ask = async () => {
      const response = await fetch(`${url}/api/ask`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: "五指山在哪个省" }),
      });
      return { status: response.status, body: (await response.json()) as { noAnswer: boolean; answerId: string } };
    };

    const during = await ask();
    expect(during.status).toBe(200);
    expect(during.body.noAnswer).toBe(false);
    const degraded = await healthz();
    expect(degraded).toContain('"degraded"');
    expect(degraded).toContain("since the replica started");
    expect(degraded).not.toContain(cluster.password);
    const queue = await fetch(`${url}/api/admin/questions?filter=all&days=7`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(queue.status).toBe(503);
    const vote = await fetch(`${url}/api/feedback`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ answerId: during.body.answerId, rating: "up" }),
    });
    expect(vote.status).toBe(503);

    await cluster.start();
    const running = replica;
    await waitFor(() => running.store.health().state === "ok");
    expect(await healthz()).not.toContain('"degraded"');
    // The answer given before the schema existed was kept and written after the migrations ran.
    expect(await running.store.findAnswer(during.body.answerId)).toMatchObject({ answerId: during.body.answerId, answered: true });
    const queueAfter = await fetch(`${url}/api/admin/questions?filter=all&days=7`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(queueAfter.status).toBe(200);
  } finally {
    await replica?.stop();
  }
});
