/**
 * SIGTERM during `kb reindex --full` over a large folder stops the build: the command exits
 * non-zero with one line naming the interruption, the previous version still serves, and no
 * staging folder is left, neither then nor after the next run. The server stops a re-index it is
 * running the same way when it gets SIGTERM, answers that request with REINDEX_INTERRUPTED and
 * exits cleanly.
 */
import { spawn } from "node:child_process";
import { access, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { readCurrentVersion } from "../../src/store/index-layout.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { LOCK_FILE_NAME } from "../../src/store/reindex-lock.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { addLargeTable, buildLeftovers, LARGE_TABLE_FILE, scratchFolders, spawnKb } from "./support/large-knowledge.js";

const local = { kind: "local" as const, batchSize: 64 };
let folders: Awaited<ReturnType<typeof scratchFolders>>;

beforeAll(async () => {
  folders = await scratchFolders();
});
afterAll(() => folders.cleanup());

describe("SIGTERM during a re-index", () => {
  it("ends `kb reindex --full` with REINDEX_INTERRUPTED; the previous version keeps serving and nothing is left behind", async () => {
    const { knowledgeDir, indexDir } = folders;
    const { summary: previous } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    // 20,000 generated rows: the full build takes many seconds after it starts embedding.
    await addLargeTable(knowledgeDir, 20_000);

    const kb = spawnKb(["reindex", "--full", "--knowledge", knowledgeDir, "--index", indexDir], { EMBEDDER: "local" });
    // Progress goes to stderr as plain lines when it is not a terminal.
    await kb.printed("embedding");
    kb.process.kill("SIGTERM");
    const exit = await kb.exited;

    // It ended on its own terms (not killed by the signal), with one clear line.
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(1);
    const errorLines = kb
      .stderr()
      .split("\n")
      .filter((line) => line.startsWith("error:"));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/interrupted \(SIGTERM received\).*REINDEX_INTERRUPTED/);
    expect(kb.stdout()).not.toMatch(/^Index /m);

    expect(await readCurrentVersion(indexDir)).toBe(previous.version);
    const serving = await loadIndex(indexDir, local);
    expect(serving.manifest.counts.sources).toBe(previous.sources);
    expect((await retrieve(serving, "亲情账户和家庭共济账户有什么区别")).hits[0].sourceId).toBe("000_9de61d0cf05b51f0.txt");
    expect(await buildLeftovers(indexDir)).toEqual([]);

    // The next run (the folder back as it was: nothing to change) leaves nothing either.
    await rm(path.join(knowledgeDir, LARGE_TABLE_FILE));
    const { summary: next } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(next.version).toBe(previous.version);
    expect(await buildLeftovers(indexDir)).toEqual([]);
  }, 180_000);

  it("stops a server re-index on SIGTERM: the request gets REINDEX_INTERRUPTED, the server exits cleanly, CURRENT is unchanged", async () => {
    const own = await scratchFolders();
    onTestFinished(() => own.cleanup());
    const { knowledgeDir, indexDir } = own;
    const { summary: previous } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    await addLargeTable(knowledgeDir, 20_000);
    const before = previous.version;
    const adminToken = "test-admin-token-0123456789";
    const server = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "src/main.ts")], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, KNOWLEDGE_DIR: knowledgeDir, INDEX_DIR: indexDir, HOST: "127.0.0.1", PORT: "0", ADMIN_TOKEN: adminToken, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      server.once("close", (code, signal) => resolve({ code, signal })),
    );
    let log = "";
    const url = await new Promise<string>((resolve, reject) => {
      const onLog = (data: Buffer) => {
        log += data.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(log);
        if (match) resolve(match[1]);
      };
      server.stdout.on("data", onLog);
      server.stderr.on("data", onLog);
      void exited.then(() => reject(new Error(`the server exited before serving:\n${log}`)));
    });

    const reindex = fetch(`${url}/api/reindex`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: '{"full":true}',
    }).then(
      async (response) => ({ status: response.status, body: (await response.json()) as { error?: { code: string } } }),
      () => null,
    );
    // The build has begun once it holds the lock (the folder's presence, polled).
    let answered = false;
    void reindex.then(() => (answered = true));
    let locked = false;
    while (!locked && !answered) {
      locked = await access(path.join(indexDir, LOCK_FILE_NAME)).then(
        () => true,
        () => false,
      );
      if (!locked) await sleep(20);
    }
    if (!locked) throw new Error(`the re-index ended before it was seen running: ${JSON.stringify(await reindex)}\n${log}`);
    server.kill("SIGTERM");
    const answer = await reindex;
    const exit = await exited;

    expect(answer).toMatchObject({ status: 503, body: { error: { code: "REINDEX_INTERRUPTED" } } });
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await readCurrentVersion(indexDir)).toBe(before);
    expect(await buildLeftovers(indexDir)).toEqual([]);
    expect((await loadIndex(indexDir, local)).version).toBe(before);
  }, 180_000);
});
