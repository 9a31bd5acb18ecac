/**
 * A server re-index over a large folder never stops /api/ask from answering: questions sent once
 * the build is embedding are answered while it is still embedding, and all of them before the
 * re-index ends. Shown by the order of events, not by timing.
 *
 * Each embedding batch also waits a little on the build's own thread until three answers are in,
 * so the embedding phase lasts long enough on any machine for three questions to go round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHookedServer, type HookedServer } from "./support/hooked-server.js";
import { addLargeTable, busyFor, scratchFolders } from "./support/large-knowledge.js";

const QUESTION = "亲情账户和家庭共济账户有什么区别";
let folders: Awaited<ReturnType<typeof scratchFolders>>;
let server: HookedServer;

beforeAll(async () => {
  folders = await scratchFolders();
  server = await startHookedServer(folders.knowledgeDir, folders.indexDir);
  await addLargeTable(folders.knowledgeDir, 10_000);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await folders?.cleanup();
});

describe("a server re-index", () => {
  it("keeps answering questions while it runs", async () => {
    const events: string[] = [];
    let answered = 0;
    let resolveEmbedding: () => void;
    const embedding = new Promise<void>((resolve) => (resolveEmbedding = resolve));
    server.onProgress = ({ phase }) => {
      if (events.at(-1) !== phase) events.push(phase);
      if (phase === "embedding") {
        resolveEmbedding();
        if (answered < 3) busyFor(50);
      }
    };
    const reindex = server.reindex({ full: true }).then((response) => {
      events.push("reindex done");
      return response;
    });
    await embedding;
    let finished = false;
    void reindex.finally(() => (finished = true));
    while (!finished) {
      const response = await server.ask(QUESTION);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { citations: { sourceId: string }[] };
      expect(body.citations[0].sourceId).toBe("000_9de61d0cf05b51f0.txt");
      answered++;
      events.push("answered");
    }
    expect((await reindex).status).toBe(200);

    // Three questions were answered during the embedding phase, before writing began, and more
    // while the re-index went on; the last answer came after it ended.
    const firstWriting = events.indexOf("writing");
    expect(events.slice(0, 2)).toEqual(["loading", "embedding"]);
    expect(firstWriting).toBeGreaterThan(0);
    expect(events.slice(0, firstWriting).filter((event) => event === "answered").length).toBeGreaterThanOrEqual(3);
    expect(events.slice(firstWriting).filter((event) => event === "answered").length).toBeGreaterThan(0);
    expect(events.indexOf("reindex done")).toBeGreaterThan(firstWriting);
  }, 240_000);
});
