/**
 * One re-index at a time, without crashes. A server re-index whose phases run for many seconds
 * keeps its lock fresh, so a `kb reindex --full` started beside it waits (longer than the lock's
 * 10 s stale threshold) and then fails with INDEX_LOCKED instead of taking the lock over; and a
 * lock lost under a running build fails that build with INDEX_LOCKED instead of killing the
 * process. The server answers /api/ask throughout.
 *
 * The long phase: a big generated table, and each embedding batch made slower on purpose (a busy
 * wait in the progress callback, i.e. on the build's own thread) until the rival is done, so the
 * build certainly outlasts the rival's wait however fast the machine is.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCurrentVersion } from "../../src/store/index-layout.js";
import { LOCK_FILE_NAME } from "../../src/store/reindex-lock.js";
import { startHookedServer, type HookedServer } from "./support/hooked-server.js";
import { addLargeTable, buildLeftovers, busyFor, scratchFolders, spawnKb } from "./support/large-knowledge.js";

const QUESTION = "亲情账户和家庭共济账户有什么区别";
let folders: Awaited<ReturnType<typeof scratchFolders>>;
let server: HookedServer;

beforeAll(async () => {
  folders = await scratchFolders();
  server = await startHookedServer(folders.knowledgeDir, folders.indexDir);
  await addLargeTable(folders.knowledgeDir, 6_000);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await folders?.cleanup();
});

/** Asks one question after another until `until` settles; returns how many were answered with 200. */
async function askUntil(until: Promise<unknown>): Promise<number> {
  let settled = false;
  void until.finally(() => (settled = true));
  let answered = 0;
  while (!settled) {
    const response = await server.ask(QUESTION);
    if (response.status === 200 && ((await response.json()) as { text: string }).text.length > 0) answered++;
  }
  return answered;
}

describe("one re-index at a time", () => {
  it("makes a CLI re-index wait past the stale threshold and fail with INDEX_LOCKED while a long server re-index runs", async () => {
    let rival: ReturnType<typeof spawnKb> | undefined;
    let rivalDone = false;
    let resolveRivalStarted: () => void;
    const rivalStarted = new Promise<void>((resolve) => (resolveRivalStarted = resolve));
    server.onProgress = (progress) => {
      if (progress.phase !== "embedding") return;
      if (!rival) {
        // Waits 11 s: past the 10 s after which a lock that is not renewed is taken over.
        rival = spawnKb(["reindex", "--full", "--knowledge", folders.knowledgeDir, "--index", folders.indexDir], { REINDEX_LOCK_WAIT_MS: "11000" });
        void rival.exited.then(() => (rivalDone = true));
        resolveRivalStarted();
      }
      if (!rivalDone) busyFor(1500);
    };
    const reindex = server.reindex({ full: true });
    await rivalStarted;
    const rivalExit = rival!.exited;
    const answeredWhileRivalWaited = await askUntil(rivalExit);

    expect(await rivalExit).toEqual({ code: 1, signal: null });
    expect(rival!.stderr()).toMatch(/error: Another re-index of .* is running \(waited 11 s\).*INDEX_LOCKED/);
    expect(answeredWhileRivalWaited).toBeGreaterThan(0);

    const response = await reindex;
    expect(response.status).toBe(200);
    const summary = (await response.json()) as { full: boolean; sources: number; version: string };
    expect(summary).toMatchObject({ full: true, sources: 21 + 6_000 });
    expect(await readCurrentVersion(folders.indexDir)).toBe(summary.version);
    expect((await server.ask(QUESTION)).status).toBe(200);
  }, 240_000);

  it("fails a build whose lock was removed under it with INDEX_LOCKED, publishing nothing, and the server keeps answering", async () => {
    const before = await readCurrentVersion(folders.indexDir);
    let removed = false;
    server.onProgress = (progress) => {
      if (progress.phase !== "embedding") return;
      if (!removed) {
        // Someone deletes the lock folder while the build holds it (as a forced takeover would).
        removed = true;
        void rm(path.join(folders.indexDir, LOCK_FILE_NAME), { recursive: true, force: true });
      }
      busyFor(300);
    };
    const reindex = server.reindex({ full: true });
    const answered = await askUntil(reindex);
    const response = await reindex;
    expect(removed).toBe(true);
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("INDEX_LOCKED");
    expect(body.error.message).toMatch(/lock .* was lost/);
    expect(answered).toBeGreaterThan(0);

    expect(await readCurrentVersion(folders.indexDir)).toBe(before);
    expect(await buildLeftovers(folders.indexDir)).toEqual([]);
    expect((await server.ask(QUESTION)).status).toBe(200);
    // The process is fine and so is the lock: the next re-index runs.
    server.onProgress = () => undefined;
    expect((await server.reindex({})).status).toBe(200);
  }, 240_000);
});
