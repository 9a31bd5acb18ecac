/**
 * The re-index lock shared by the replicas: bots on one state store (a real SQLite store in a temp
 * folder) and one index folder. While another replica holds the "reindex" lock, a re-index waits up
 * to the lock wait and fails with INDEX_LOCKED like the file lock; it goes ahead once the lock is
 * free; a lock lost mid-build stops that build with INDEX_LOCKED and publishes nothing.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalKnowledgeBot, type LocalKnowledgeBotOptions } from "../../src/bot/local-knowledge-bot.js";
import { REINDEX_LOCK_NAME } from "../../src/bot/replica-reindex-lock.js";
import { KnowledgeBotError } from "../../src/core/errors.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { readCurrentVersion } from "../../src/store/index-layout.js";
import { copySeedKnowledge } from "./support/test-server.js";

let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let root: string;
let store: SqliteStateStore;
let bots: LocalKnowledgeBot[];

beforeEach(async () => {
  knowledge = await copySeedKnowledge();
  root = await mkdtemp(path.join(os.tmpdir(), "kb-replica-lock-"));
  store = openSqliteStateStore({ dataDir: path.join(root, "data") });
  bots = [];
});

afterEach(async () => {
  await Promise.all(bots.map((bot) => bot.close()));
  await store.close();
  await rm(root, { recursive: true, force: true });
  await knowledge.cleanup();
});

async function openBot(options: Partial<LocalKnowledgeBotOptions> = {}): Promise<LocalKnowledgeBot> {
  const bot = await LocalKnowledgeBot.open(
    {
      knowledgeDir: knowledge.knowledgeDir,
      indexDir: path.join(root, "index"),
      embedder: { kind: "local", batchSize: 64 },
      publicBaseUrl: "http://127.0.0.1:3000",
      ...options,
    },
    { buildIfMissing: true },
  );
  bots.push(bot);
  return bot;
}

async function addSource(name: string): Promise<void> {
  await writeFile(path.join(knowledge.knowledgeDir, name), `# ${name}\n\n新加的一页：门诊慢特病的备案在社区服务中心办理，需要带医保卡。\n`);
}

describe("the re-index lock across replicas", () => {
  it("fails a re-index with INDEX_LOCKED while another replica holds the lock, after the lock wait", async () => {
    const bot = await openBot({ limits: { lockWaitMs: 300 } });
    bot.useReplicaLocks(store);
    const otherReplica = (await store.tryLock(REINDEX_LOCK_NAME))!;
    await addSource("waiting.md");
    const servedBefore = bot.current.version;

    const refused = await bot.reindex().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KnowledgeBotError);
    expect(refused).toMatchObject({ code: "INDEX_LOCKED", message: expect.stringContaining("Another replica is re-indexing") });
    expect((refused as KnowledgeBotError).hint).toMatch(/try again/);
    expect(bot.current.version).toBe(servedBefore);

    await otherReplica.release();
    const summary = await bot.reindex();
    expect(summary.added).toContain("waiting.md");
    expect(bot.current.version).toBe(summary.version);
    // Released after the build: the next replica can take it.
    const after = await store.tryLock(REINDEX_LOCK_NAME);
    expect(after).toBeDefined();
    await after!.release();
  });

  it("retries while another replica holds the lock and goes ahead once it is released", async () => {
    let tries = 0;
    const counting = { tryLock: (name: string) => (tries++, store.tryLock(name)) };
    const bot = await openBot({ limits: { lockWaitMs: 30_000 } });
    bot.useReplicaLocks(counting);
    const otherReplica = (await store.tryLock(REINDEX_LOCK_NAME))!;
    await addSource("after-wait.md");

    const running = bot.reindex();
    await expect.poll(() => tries, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await otherReplica.release();
    const summary = await running;
    expect(summary.added).toContain("after-wait.md");
    expect(await readCurrentVersion(path.join(root, "index"))).toBe(summary.version);
  });

  it("stops a build whose lock is lost with INDEX_LOCKED and publishes nothing", async () => {
    // Closing the store mid-build loses its locks, as a dropped connection does on PostgreSQL.
    let armed = false; // the first build, at open, runs before the bot has the store
    const bot = await openBot({
      onReindexProgress: (progress) => {
        if (armed && progress.phase === "embedding") void store.close();
      },
    });
    bot.useReplicaLocks(store);
    const indexDir = path.join(root, "index");
    const published = await readCurrentVersion(indexDir);
    await addSource("lost.md");
    armed = true;

    const failed = await bot.reindex().catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: "INDEX_LOCKED", message: expect.stringContaining("lost while building") });
    expect(await readCurrentVersion(indexDir)).toBe(published);
    expect(bot.current.version).toBe(published);
  });

  it("re-indexes under the file lock alone when the store cannot be reached", async () => {
    const bot = await openBot();
    bot.useReplicaLocks(store);
    await store.close();
    await addSource("store-down.md");
    const summary = await bot.reindex();
    expect(summary.added).toContain("store-down.md");
    expect(bot.current.version).toBe(summary.version);
  });

  it("a dry run takes no lock", async () => {
    const bot = await openBot({ limits: { lockWaitMs: 0 } });
    bot.useReplicaLocks(store);
    const otherReplica = (await store.tryLock(REINDEX_LOCK_NAME))!;
    await addSource("dry.md");
    const summary = await bot.reindex({ dryRun: true });
    expect(summary.added).toContain("dry.md");
    await otherReplica.release();
  });
});
