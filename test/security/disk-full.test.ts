/**
 * A disk that fills up while a new version is written: the build fails with DISK_FULL naming the
 * file, its staging folder is removed, the version already published stays CURRENT and loads, and
 * POST /api/reindex answers with that code instead of a generic 500.
 *
 * No real full disk can be made safely here, so the one write of chunks.json into a staging folder
 * fails the way the kernel fails it: an errno error with code ENOSPC (from writing to /dev/full
 * where it exists). Every other write is the real one.
 */
import { writeFile } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

const failing = vi.hoisted(() => ({ file: null as null | ((target: string) => boolean) }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  const writeFile: typeof actual.writeFile = async (target, ...rest) => {
    if (typeof target === "string" && failing.file?.(target)) {
      try {
        await actual.writeFile("/dev/full", "x".repeat(64 * 1024));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOSPC") throw error;
      }
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { errno: -osConstants.errno.ENOSPC, code: "ENOSPC", syscall: "write" });
    }
    return actual.writeFile(target, ...rest);
  };
  return { ...actual, writeFile, default: { ...actual, writeFile } };
});

const { buildIndex } = await import("../../src/ingest/build-index.js");
const { readCurrentVersion } = await import("../../src/store/index-layout.js");
const { loadIndex } = await import("../../src/store/loaded-index.js");
const { retrieve } = await import("../../src/retrieval/retrieve.js");
const { buildLeftovers, scratchFolders } = await import("./support/large-knowledge.js");
const { startTestServer, TEST_ADMIN_TOKEN } = await import("../server/support/test-server.js");

const local = { kind: "local" as const, batchSize: 64 };
const chunksInStaging = (target: string) => target.endsWith(`.partial${path.sep}chunks.json`);
let folders: Awaited<ReturnType<typeof scratchFolders>>;

beforeAll(async () => {
  folders = await scratchFolders();
});
afterAll(() => folders.cleanup());
afterEach(() => {
  failing.file = null;
});

describe("a full disk while writing a version", () => {
  it("fails the build with DISK_FULL naming the file, removes the staging folder and keeps the published version", async () => {
    const { knowledgeDir, indexDir } = folders;
    const { summary: published } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    await writeFile(path.join(knowledgeDir, "faq.csv"), "id,question,answer\nfaq-disk,磁盘满了怎么办,先清理磁盘空间。\n");

    failing.file = chunksInStaging;
    const failure = await buildIndex({ knowledgeDir, indexDir, embedder: local }).then(
      () => null,
      (error: unknown) => error as { code?: string; message?: string; hint?: string; cause?: { code?: string } },
    );
    expect(failure).toMatchObject({ code: "DISK_FULL", hint: expect.stringMatching(/free disk space/i) });
    expect(failure?.message).toMatch(/\.partial[/\\]chunks\.json/);
    expect(failure?.cause?.code).toBe("ENOSPC");

    expect(await buildLeftovers(indexDir)).toEqual([]);
    expect(await readCurrentVersion(indexDir)).toBe(published.version);
    const serving = await loadIndex(indexDir, local);
    expect(serving.sources.has("faq-disk")).toBe(false);
    expect((await retrieve(serving, "亲情账户和家庭共济账户有什么区别")).hits[0].sourceId).toBe("000_9de61d0cf05b51f0.txt");

    // With space again, the same run publishes.
    failing.file = null;
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(summary.added).toEqual(["faq-disk"]);
  });

  it("is answered by POST /api/reindex as 507 DISK_FULL, not 500 INTERNAL, and the server keeps answering", async () => {
    const server = await startTestServer({ environment: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
    try {
      const before = server.bot.stats().version;
      failing.file = chunksInStaging;
      const response = await server.post("/api/reindex", { full: true }, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
      expect(response.status).toBe(507);
      const body = (await response.json()) as { error: { code: string; message: string; hint: string } };
      expect(body.error.code).toBe("DISK_FULL");
      expect(body.error.message).toMatch(/chunks\.json/);
      expect(await buildLeftovers(server.indexDir)).toEqual([]);
      expect(server.bot.stats().version).toBe(before);
      const ask = await server.post("/api/ask", { question: "亲情账户和家庭共济账户有什么区别" });
      expect(ask.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
