/**
 * What every state store must do with pending deliveries, whatever its dialect: run against SQLite
 * (test/state/) and a real PostgreSQL (test/postgres/, where `openAnother` is a second replica on
 * the same database). A delivery is recorded before it is acknowledged, held under a lease, taken
 * over only once that lease lapsed, marked answered only by its completion, and bounded in number.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PENDING_DELIVERY_MAX_AGE_MS, type AcceptDeliveryInput, type StateStore } from "../../../src/state/state-store.js";

export interface PendingDeliveriesFactory {
  open(): Promise<StateStore>;
  /** A second store on the same data (another replica); omitted where a store is one process. */
  openAnother?(): Promise<StateStore>;
}

const NOW = Date.UTC(2026, 5, 15, 12);
const LEASE = 30_000;
const DAY = 86_400_000;

function delivery(id: string, overrides: Partial<AcceptDeliveryInput> = {}): AcceptDeliveryInput {
  return { kind: "telegram-update", id, payload: `sealed:${id}`, owner: "replica-a", leaseMs: LEASE, maxPending: 100, now: NOW, ...overrides };
}

export function describePendingDeliveriesContract(dialect: string, factory: PendingDeliveriesFactory): void {
  const opened: StateStore[] = [];
  async function open(): Promise<StateStore> {
    const store = await factory.open();
    opened.push(store);
    return store;
  }
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  describe(`${dialect}: pending deliveries`, () => {
    it("are recorded and leased; a repeat under the lease is pending, a lapsed one is taken over with its progress, a completed one is answered", async () => {
      const store = await open();
      const taken = await store.acceptDelivery(delivery("bot:1"));
      expect(taken).toEqual({
        outcome: "taken",
        delivery: { kind: "telegram-update", id: "bot:1", payload: "sealed:bot:1", sentParts: 0, attempts: 0, receivedAt: NOW },
      });
      expect(await store.updateDelivery("telegram-update", "bot:1", "replica-a", { reply: "sealed-reply" }, LEASE, NOW + 10)).toBe(true);
      expect(await store.updateDelivery("telegram-update", "bot:1", "replica-a", { sentParts: 2 }, LEASE, NOW + 20)).toBe(true);
      // Progress never goes back, and the reply is kept when only progress is saved.
      expect(await store.updateDelivery("telegram-update", "bot:1", "replica-a", { sentParts: 1 }, LEASE, NOW + 30)).toBe(true);

      expect(await store.acceptDelivery(delivery("bot:1", { owner: "replica-b", now: NOW + 30 + LEASE - 1 }))).toEqual({ outcome: "pending" });
      const takenOver = await store.acceptDelivery(delivery("bot:1", { owner: "replica-b", now: NOW + 30 + LEASE }));
      expect(takenOver).toEqual({
        outcome: "taken",
        delivery: { kind: "telegram-update", id: "bot:1", payload: "sealed:bot:1", reply: "sealed-reply", sentParts: 2, attempts: 0, receivedAt: NOW },
      });
      // The first holder lost it: its progress is refused from now on.
      expect(await store.updateDelivery("telegram-update", "bot:1", "replica-a", { sentParts: 3 }, LEASE, NOW + 40 + LEASE)).toBe(false);

      await store.completeDelivery("telegram-update", "bot:1", DAY, NOW + 50 + LEASE);
      expect(await store.acceptDelivery(delivery("bot:1", { owner: "replica-c", now: NOW + 60 + LEASE }))).toEqual({ outcome: "answered" });
      // The same id of another kind is another delivery.
      expect((await store.acceptDelivery(delivery("bot:1", { kind: "wecom-msgid" }))).outcome).toBe("taken");
      // The answered record is the dedupe's: claims of that id are repeats too.
      expect(await store.claim("telegram-update", "bot:1", 4000, NOW + 60 + LEASE)).toBe(false);
    });

    it("are bounded per kind: past maxPending a new one is refused until one is done", async () => {
      const store = await open();
      expect((await store.acceptDelivery(delivery("a", { maxPending: 2 }))).outcome).toBe("taken");
      expect((await store.acceptDelivery(delivery("b", { maxPending: 2 }))).outcome).toBe("taken");
      expect(await store.acceptDelivery(delivery("c", { maxPending: 2 }))).toEqual({ outcome: "full" });
      // A repeat of one that waits is still told so, and another kind has its own room.
      expect(await store.acceptDelivery(delivery("a", { maxPending: 2 }))).toEqual({ outcome: "pending" });
      expect((await store.acceptDelivery(delivery("c", { maxPending: 2, kind: "wecom-msgid" }))).outcome).toBe("taken");
      await store.completeDelivery("telegram-update", "a", DAY, NOW + 1);
      expect((await store.acceptDelivery(delivery("c", { maxPending: 2, now: NOW + 2 }))).outcome).toBe("taken");
    });

    it("are taken over only once their lease lapsed, oldest first, and a released one only from its retry time", async () => {
      const store = await open();
      for (const [offset, id] of ["first", "second", "third"].entries()) await store.acceptDelivery(delivery(id, { now: NOW + offset }));
      const take = (now: number, limit = 10) => store.takeLapsedDeliveries({ kind: "telegram-update", owner: "replica-b", leaseMs: LEASE, limit, now });
      expect(await take(NOW + LEASE - 1)).toEqual([]);
      // replica-a still works on "third": its renewal keeps it.
      expect(await store.renewDeliveryLeases("replica-a", LEASE, NOW + 10)).toBe(3);
      await store.updateDelivery("telegram-update", "third", "replica-a", {}, 2 * LEASE, NOW + 10);
      expect((await take(NOW + 10 + LEASE, 1)).map((each) => each.id)).toEqual(["first"]);
      expect((await take(NOW + 10 + LEASE)).map((each) => each.id)).toEqual(["second"]);
      // Now held by replica-b under a fresh lease.
      expect(await take(NOW + 20 + LEASE)).toEqual([]);
      expect(await store.renewDeliveryLeases("replica-a", LEASE, NOW + 20 + LEASE)).toBe(1);

      await store.releaseDelivery("telegram-update", "first", "replica-b", NOW + 100 + LEASE, true);
      await store.releaseDelivery("telegram-update", "first", "replica-a", NOW, true); // not its holder: no effect
      expect(await take(NOW + 99 + LEASE)).toEqual([]);
      const [retried] = await take(NOW + 100 + LEASE);
      expect(retried).toMatchObject({ id: "first", attempts: 1 });
      await store.releaseDelivery("telegram-update", "first", "replica-b", NOW + 200 + LEASE, false);
      expect((await take(NOW + 200 + LEASE))[0]).toMatchObject({ id: "first", attempts: 1 });
    });

    it("completed without remembering are simply gone; a day-old one is swept", async () => {
      const store = await open();
      await store.acceptDelivery(delivery("dropped"));
      await store.completeDelivery("telegram-update", "dropped", 0, NOW + 1);
      expect((await store.acceptDelivery(delivery("dropped", { now: NOW + 2 }))).outcome).toBe("taken");

      await store.acceptDelivery(delivery("old", { now: NOW - PENDING_DELIVERY_MAX_AGE_MS }));
      await store.acceptDelivery(delivery("recent", { now: NOW - PENDING_DELIVERY_MAX_AGE_MS + 1 }));
      await store.sweep(NOW, 0);
      const left = await store.takeLapsedDeliveries({ kind: "telegram-update", owner: "replica-b", leaseMs: LEASE, limit: 10, now: NOW + 10 * LEASE });
      expect(left.map((each) => each.id).sort()).toEqual(["dropped", "recent"]);
    });

    if (factory.openAnother) {
      const openAnother = async () => {
        const store = await factory.openAnother!();
        opened.push(store);
        return store;
      };

      it("reaching two replicas at once, the same delivery is taken by one", async () => {
        const first = await open();
        const second = await openAnother();
        for (let round = 0; round < 20; round++) {
          const outcomes = await Promise.all([
            first.acceptDelivery(delivery(`race-${round}`, { owner: "replica-a" })),
            second.acceptDelivery(delivery(`race-${round}`, { owner: "replica-b" })),
          ]);
          expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(["pending", "taken"]);
        }
      });

      it("left by a dead replica, are split between two live ones taking them over at once, none twice", async () => {
        const first = await open();
        const second = await openAnother();
        for (let index = 0; index < 60; index++) await first.acceptDelivery(delivery(`left-${index}`, { owner: "dead", now: NOW + index }));
        const later = NOW + 100 + LEASE;
        const takeAll = async (store: StateStore, owner: string) => {
          const ids: string[] = [];
          for (;;) {
            const batch = await store.takeLapsedDeliveries({ kind: "telegram-update", owner, leaseMs: LEASE, limit: 7, now: later });
            if (batch.length === 0) return ids;
            ids.push(...batch.map((each) => each.id));
          }
        };
        const [byFirst, bySecond] = await Promise.all([takeAll(first, "replica-a"), takeAll(second, "replica-b")]);
        expect([...byFirst, ...bySecond].sort()).toEqual(Array.from({ length: 60 }, (_, index) => `left-${index}`).sort());
      });

      it("completed on one replica while another accepts its repeat, is answered, never taken again", async () => {
        const first = await open();
        const second = await openAnother();
        for (let round = 0; round < 20; round++) {
          const id = `done-${round}`;
          await first.acceptDelivery(delivery(id, { owner: "replica-a", leaseMs: 1 }));
          // The lease has lapsed: a repeat reaching the other replica could take it, unless the completion wins.
          const [, repeat] = await Promise.all([
            first.completeDelivery("telegram-update", id, DAY, NOW + 5),
            second.acceptDelivery(delivery(id, { owner: "replica-b", now: NOW + 5 })),
          ]);
          if (repeat.outcome === "taken") {
            // Taken before the completion ran: the completion then removed it, and it is answered for everyone.
            expect(await second.updateDelivery("telegram-update", id, "replica-b", {}, LEASE, NOW + 6)).toBe(false);
          } else {
            expect(repeat.outcome).toBe("answered");
          }
          expect(await first.acceptDelivery(delivery(id, { owner: "replica-c", now: NOW + 7 }))).toEqual({ outcome: "answered" });
        }
      });
    }
  });
}
