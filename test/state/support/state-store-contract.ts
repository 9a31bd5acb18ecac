/**
 * What every state store must do, whatever its dialect: one suite, run against SQLite here and
 * against a real PostgreSQL by the PostgreSQL suite. `open` returns a fresh, empty store;
 * `reopen` (optional) opens a second handle on the same data, as a second replica would.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { StateStore } from "../../../src/state/state-store.js";

export interface StateStoreFactory {
  open(): Promise<StateStore>;
  /** A second store on the same data (another replica); omitted where a store is one process. */
  openAnother?(): Promise<StateStore>;
}

const NOW = Date.UTC(2026, 5, 15, 12);

export function describeSharedStateContract(dialect: string, factory: StateStoreFactory): void {
  const opened: StateStore[] = [];
  async function open(): Promise<StateStore> {
    const store = await factory.open();
    opened.push(store);
    return store;
  }
  async function openAnother(): Promise<StateStore> {
    const store = await factory.openAnother!();
    opened.push(store);
    return store;
  }
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  describe(`${dialect}: shared values`, () => {
    it("the first writer wins until the value expires; putValue replaces it", async () => {
      const store = await open();
      expect(await store.putIfAbsent("stream", "msg-1", "A", 1000, NOW)).toEqual({ value: "A", isNew: true });
      expect(await store.putIfAbsent("stream", "msg-1", "B", 1000, NOW + 10)).toEqual({ value: "A", isNew: false });
      expect(await store.putIfAbsent("other-kind", "msg-1", "C", 1000, NOW)).toEqual({ value: "C", isNew: true });
      await store.putValue("stream", "msg-1", "A2", 1000, NOW + 20);
      expect(await store.getValue("stream", "msg-1", NOW + 30)).toBe("A2");
      expect(await store.getValue("stream", "msg-1", NOW + 1020)).toBeUndefined();
      expect(await store.putIfAbsent("stream", "msg-1", "D", 1000, NOW + 1020)).toEqual({ value: "D", isNew: true });
      expect(await store.getValue("stream", "unknown", NOW)).toBeUndefined();
    });
  });

  describe(`${dialect}: hit counters`, () => {
    it("count within a window that starts at the first hit, then start again", async () => {
      const store = await open();
      expect(await store.peekHits("login", "10.0.0.1", NOW)).toBeUndefined();
      expect(await store.countHit("login", "10.0.0.1", 60_000, NOW)).toEqual({ count: 1, resetAt: NOW + 60_000 });
      expect(await store.countHit("login", "10.0.0.1", 60_000, NOW + 5)).toEqual({ count: 2, resetAt: NOW + 60_000 });
      expect(await store.countHit("login", "10.0.0.2", 60_000, NOW + 5)).toEqual({ count: 1, resetAt: NOW + 60_005 });
      expect(await store.peekHits("login", "10.0.0.1", NOW + 10)).toEqual({ count: 2, resetAt: NOW + 60_000 });
      expect(await store.peekHits("login", "10.0.0.1", NOW + 60_000)).toBeUndefined();
      expect(await store.countHit("login", "10.0.0.1", 60_000, NOW + 60_000)).toEqual({ count: 1, resetAt: NOW + 120_000 });
    });

    it("give a hit back within the window, never below zero and never after it", async () => {
      const store = await open();
      await store.countHit("login", "10.0.0.3", 60_000, NOW);
      await store.countHit("login", "10.0.0.3", 60_000, NOW + 1);
      await store.uncountHit("login", "10.0.0.3", NOW + 2);
      expect(await store.peekHits("login", "10.0.0.3", NOW + 3)).toEqual({ count: 1, resetAt: NOW + 60_000 });
      await store.uncountHit("login", "10.0.0.3", NOW + 4);
      await store.uncountHit("login", "10.0.0.3", NOW + 5);
      expect(await store.peekHits("login", "10.0.0.3", NOW + 6)).toEqual({ count: 0, resetAt: NOW + 60_000 });
      // Nothing to give back from a window that never opened or has closed.
      await store.uncountHit("login", "10.0.0.4", NOW);
      expect(await store.peekHits("login", "10.0.0.4", NOW)).toBeUndefined();
      await store.uncountHit("login", "10.0.0.3", NOW + 60_000);
      expect((await store.countHit("login", "10.0.0.3", 60_000, NOW + 60_000)).count).toBe(1);
    });
  });

  describe(`${dialect}: re-index history`, () => {
    it("keeps the most recent runs, newest first, with their summaries and errors", async () => {
      const store = await open();
      await store.recordReindexRun({ finishedAt: NOW, ok: false, reason: "api", error: "INDEX_LOCKED" }, 2);
      const summary = { sources: 3, chunks: 5, errors: [{ file: "a.pdf", code: "SOURCE_ENCRYPTED", message: "encrypted" }] };
      await store.recordReindexRun({ finishedAt: NOW + 1, ok: true, reason: "console", summary: summary as never }, 2);
      await store.recordReindexRun({ finishedAt: NOW + 2, ok: true, reason: "chat" }, 2);
      const runs = await store.listReindexRuns(10);
      expect(runs.map((run) => run.reason)).toEqual(["chat", "console"]);
      expect(runs[1]!.summary).toEqual(summary);
      expect(runs[0]!.error).toBeUndefined();
      expect(await store.listReindexRuns(1)).toHaveLength(1);
    });
  });

  describe(`${dialect}: locks and announcements`, () => {
    it("a held lock is refused to a second taker until released", async () => {
      const store = await open();
      const first = await store.tryLock("reindex");
      expect(first).toBeDefined();
      expect(first!.lost.aborted).toBe(false);
      expect(await store.tryLock("reindex")).toBeUndefined();
      expect(await store.tryLock("telegram-polling")).toBeDefined();
      await first!.release();
      const again = await store.tryLock("reindex");
      expect(again).toBeDefined();
      await again!.release();
    });

    it("an announcement reaches every listener of its channel, not others, and not after unsubscribing", async () => {
      const store = await open();
      const heard: string[] = [];
      const unsubscribe = await store.listen("index", (payload) => heard.push(`index:${payload}`));
      await store.listen("other", (payload) => heard.push(`other:${payload}`));
      await store.announce("index", "v2");
      await waitFor(() => heard.length >= 1);
      await unsubscribe();
      await store.announce("index", "v3");
      await store.announce("other", "x");
      await waitFor(() => heard.includes("other:x"));
      expect(heard).toEqual(["index:v2", "other:x"]);
    });

    it("reports its health", async () => {
      const store = await open();
      expect(store.health().state).toBe("ok");
    });
  });

  if (factory.openAnother) {
    describe(`${dialect}: two replicas on one store`, () => {
      it("see one another's locks, values, counters, claims and announcements", async () => {
        const first = await open();
        const second = await openAnother();
        const lock = await first.tryLock("telegram-polling");
        expect(lock).toBeDefined();
        expect(await second.tryLock("telegram-polling")).toBeUndefined();
        await lock!.release();
        const taken = await second.tryLock("telegram-polling");
        expect(taken).toBeDefined();
        await taken!.release();

        expect((await first.putIfAbsent("stream", "m", "from-first", 60_000)).isNew).toBe(true);
        expect(await second.putIfAbsent("stream", "m", "from-second", 60_000)).toEqual({ value: "from-first", isNew: false });
        expect(await first.claim("wecom-msgid", "123", 60_000)).toBe(true);
        expect(await second.claim("wecom-msgid", "123", 60_000)).toBe(false);
        // A lease the first replica did not confirm (it died) is taken by the second once it lapsed; a confirmed one is not.
        const now = Date.now();
        expect(await first.claim("wecom-msgid", "leased", 4000, now)).toBe(true);
        expect(await second.claim("wecom-msgid", "leased", 4000, now + 1000)).toBe(false);
        expect(await second.claim("wecom-msgid", "leased", 4000, now + 4000)).toBe(true);
        await second.confirmClaim("wecom-msgid", "leased", 86_400_000, now + 4000);
        expect(await first.claim("wecom-msgid", "leased", 4000, now + 10_000)).toBe(false);
        await first.countHit("login", "1.2.3.4", 60_000);
        expect((await second.countHit("login", "1.2.3.4", 60_000)).count).toBe(2);

        const heard: string[] = [];
        await second.listen("index", (payload) => heard.push(payload));
        await first.announce("index", "v9");
        await waitFor(() => heard.length > 0);
        expect(heard).toEqual(["v9"]);
      });
    });
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
