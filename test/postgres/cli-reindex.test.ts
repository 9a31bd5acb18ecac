/**
 * `kb reindex` with DATABASE_URL beside a running replica (a bot on the same index folder whose
 * CURRENT poll is off, so only an announcement can switch it): the CLI takes the replicas' re-index
 * lock (waits for a holder, INDEX_LOCKED after REINDEX_LOCK_WAIT_MS), announces the version it
 * published, and records its runs, failed ones too, in the shared history with the reason "cli".
 */
import { writeFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import { buildIndex } from "../../src/ingest/build-index.js";
import { watchIndex, type IndexWatcher } from "../../src/server/index-watcher.js";
import { openPostgresStateStore, type PostgresStateStore } from "../../src/state/postgres-state-store.js";
import { readCurrentVersion } from "../../src/store/index-layout.js";
import { copySeedKnowledge } from "../server/support/test-server.js";
import { freePort } from "./support/postgres-cluster.js";
import { capturedLogger, useTestDatabase } from "./support/test-database.js";
import { runKb, type KbRun } from "../support/run-kb.js";

const database = useTestDatabase();
const embedder = { kind: "local", batchSize: 64 } as const;
let root: string;
let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let indexDir: string;
let store: PostgresStateStore;
let replica: LocalKnowledgeBot;
let watcher: IndexWatcher;
const savedEnvironment = { ...process.env };

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-cli-replicas-"));
  knowledge = await copySeedKnowledge();
  indexDir = path.join(root, "index");
  await buildIndex({ knowledgeDir: knowledge.knowledgeDir, indexDir, embedder });
  store = await openPostgresStateStore({ databaseUrl: database.get().url, logger: capturedLogger().logger });
  replica = await LocalKnowledgeBot.open({ knowledgeDir: knowledge.knowledgeDir, indexDir, embedder, publicBaseUrl: "http://127.0.0.1:3000" });
  watcher = watchIndex(replica, indexDir, capturedLogger().logger, { intervalMs: 0, store });
});

afterEach(() => {
  process.env = { ...savedEnvironment };
});

afterAll(async () => {
  watcher?.stop();
  await replica?.close();
  await store?.close();
  await knowledge?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

async function kb(args: string[], environment: Record<string, string>): Promise<KbRun> {
  process.env = { ...savedEnvironment, EMBEDDER: "local", ...environment };
  return runKb(args);
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function reindexArgs(): string[] {
  return ["reindex", "--knowledge", knowledge.knowledgeDir, "--index", indexDir, "--json"];
}

it("announces the new version, so a replica whose CURRENT poll is off switches, and records the run as 'cli'", async () => {
  const before = replica.current.version;
  await writeFile(path.join(knowledge.knowledgeDir, "cli-added.md"), "---\ntitle: 命令行新增\n---\n命令行重建索引后副本立即切换。\n");
  const result = await kb(reindexArgs(), { DATABASE_URL: database.get().url });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout) as { version: string; added: string[] };
  expect(summary.added).toEqual(["cli-added.md"]);
  expect(summary.version).not.toBe(before);
  await waitFor(() => replica.current.version === summary.version);
  const [run] = await store.listReindexRuns(1);
  expect(run).toMatchObject({ ok: true, reason: "cli", summary: { version: summary.version, added: ["cli-added.md"] } });
});

it("without DATABASE_URL nothing is announced or recorded (the replicas find the version through CURRENT)", async () => {
  const runsBefore = await store.listReindexRuns(20);
  const serving = replica.current.version;
  await writeFile(path.join(knowledge.knowledgeDir, "cli-unshared.md"), "---\ntitle: 不共享\n---\n没有数据库时只写索引目录。\n");
  const result = await kb(reindexArgs(), {});
  expect(result.code).toBe(0);
  const { version } = JSON.parse(result.stdout) as { version: string };
  expect(await readCurrentVersion(indexDir)).toBe(version);
  expect(await store.listReindexRuns(20)).toEqual(runsBefore);
  // No announcement came: the replica still serves what it had (its only way to learn is the CURRENT poll, off here).
  expect(replica.current.version).toBe(serving);
  await replica.reload();
});

it("waits while a replica holds the re-index lock, fails with INDEX_LOCKED after the wait, and records the failure", async () => {
  const held = await store.tryLock("reindex");
  expect(held).toBeDefined();
  try {
    const current = await readCurrentVersion(indexDir);
    await writeFile(path.join(knowledge.knowledgeDir, "cli-locked.md"), "---\ntitle: 锁\n---\n另一个副本正在重建索引。\n");
    const refused = await kb(reindexArgs(), { DATABASE_URL: database.get().url, REINDEX_LOCK_WAIT_MS: "700" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("INDEX_LOCKED");
    expect(await readCurrentVersion(indexDir)).toBe(current);
    const [failed] = await store.listReindexRuns(1);
    expect(failed).toMatchObject({ ok: false, reason: "cli" });
    expect(failed?.error).toMatch(/Another replica is re-indexing/);

    // With a longer wait the CLI waits for the holder instead, and builds once it lets go.
    const waiting = kb(reindexArgs(), { DATABASE_URL: database.get().url, REINDEX_LOCK_WAIT_MS: "30000" });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await readCurrentVersion(indexDir)).toBe(current);
    await held!.release();
    const built = await waiting;
    expect(built.code).toBe(0);
    const { version } = JSON.parse(built.stdout) as { version: string };
    expect(version).not.toBe(current);
    await waitFor(() => replica.current.version === version);
  } finally {
    await held?.release();
  }
});

it("with the database unreachable the CLI still re-indexes under the folder's lock, and says what it could not do", async () => {
  const unreachable = new URL(database.get().url);
  unreachable.port = String(await freePort());
  await writeFile(path.join(knowledge.knowledgeDir, "cli-offline.md"), "---\ntitle: 离线\n---\n数据库不可用时仍然可以重建索引。\n");
  const result = await kb(reindexArgs(), { DATABASE_URL: unreachable.toString() });
  expect(result.code).toBe(0);
  const { version } = JSON.parse(result.stdout) as { version: string };
  expect(await readCurrentVersion(indexDir)).toBe(version);
  expect(result.stderr).toContain("relying on the index folder's lock");
  expect(result.stderr).toContain("not announced");
  expect(result.stderr).toContain("not recorded");
  expect(result.stderr).not.toContain(unreachable.password);
});
