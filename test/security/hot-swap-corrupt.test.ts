/**
 * A running server serving version A; a version B with a damaged HNSW graph is published beside it
 * and CURRENT switched to B (as a `kb reindex` in another process would, with B's graph damaged on
 * disk). The server logs an error naming the file once, keeps answering from A, and /healthz stays
 * ok for A. Without the check, B's graph would reach hnswlib and crash the process on a query.
 */
import { randomBytes } from "node:crypto";
import { cp, mkdtemp, open, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { readCurrentVersion, switchCurrentVersion, versionDirectory } from "../../src/store/index-layout.js";
import { copySeedKnowledge, startTestServer, type TestServer } from "../server/support/test-server.js";

const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";
const MARS_QUESTION = "火星基地什么时候开放参观";
const FAILED_SWITCH = "could not switch to the index on disk; still serving the loaded version";
const marsPage = `---
title: 火星基地开放参观时间
category: 参观指南
---
# 火星基地开放参观时间

火星基地每周二和周四上午九点到下午五点开放参观，参观需要提前三天在官网预约，每次参观限二十人。
`;

let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let server: TestServer;
let scratch: string;

beforeAll(async () => {
  knowledge = await copySeedKnowledge();
  scratch = await mkdtemp(path.join(os.tmpdir(), "kb-hot-swap-corrupt-"));
  server = await startTestServer({ knowledgeDir: knowledge.knowledgeDir, indexPollMs: 100 });
});

afterAll(async () => {
  await server?.close();
  await knowledge?.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

async function ask(question: string) {
  const response = await server.post("/api/ask", { question });
  return { status: response.status, body: await response.json() };
}

/** Overwrites bytes in the middle of a file with random ones. */
async function writeRandomBytesInMiddle(file: string, length = 256): Promise<void> {
  const { size } = await stat(file);
  const handle = await open(file, "r+");
  try {
    await handle.write(randomBytes(length), 0, length, Math.floor((size - length) / 2));
  } finally {
    await handle.close();
  }
}

describe("hot swap to a damaged version", () => {
  it("logs the error and keeps answering from the version it had", async () => {
    const versionA = server.bot.current.version;
    expect((await ask(MARS_QUESTION)).body.noAnswer).toBe(true);

    // Version B knows about the Mars base; it is built elsewhere, then moved in with its graph damaged.
    await writeFile(path.join(knowledge.knowledgeDir, "mars-base.md"), marsPage);
    const elsewhere = path.join(scratch, "index-b");
    const { summary } = await buildIndex({ knowledgeDir: knowledge.knowledgeDir, indexDir: elsewhere, embedder: { kind: "local", batchSize: 64 } });
    const versionB = summary.version!;
    const published = versionDirectory(server.indexDir, versionB);
    await cp(versionDirectory(elsewhere, versionB), published, { recursive: true });
    await writeRandomBytesInMiddle(path.join(published, "hnsw", "hnswlib.index"));
    await switchCurrentVersion(server.indexDir, versionB);
    expect(await readCurrentVersion(server.indexDir)).toBe(versionB);

    const failures = () => server.logLines.filter((line) => line.msg === FAILED_SWITCH && line.version === versionB);
    const deadline = Date.now() + 10_000;
    while (failures().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(failures()).toHaveLength(1);
    const [failure] = failures();
    expect(failure.level).toBe("error");
    expect(failure.serving).toBe(versionA);
    expect(failure.err).toMatchObject({
      code: "INDEX_CORRUPT",
      message: expect.stringContaining("hnswlib.index"),
      hint: expect.stringContaining("kb reindex --full"),
    });

    // Still A: the old content is answered, B's new page is not, and health is ok for A.
    expect(server.bot.current.version).toBe(versionA);
    const seed = await ask(SEED_QUESTION);
    expect(seed.status).toBe(200);
    expect(seed.body.noAnswer).toBe(false);
    const mars = await ask(MARS_QUESTION);
    expect(mars.status).toBe(200);
    expect(mars.body.noAnswer).toBe(true);
    const health = await (await fetch(`${server.url}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", index: { version: versionA } });
    // The failed version is not retried on every poll.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(failures()).toHaveLength(1);
    expect(server.bot.current.version).toBe(versionA);
  }, 60_000);
});
