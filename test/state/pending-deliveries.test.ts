/**
 * The pending deliveries runner on a real SQLite store on disk: what a process that dies leaves is
 * resumed by the next from the first message not sent, with the reply it had prepared; the store
 * keeps no question or answer in clear; a holder whose delivery went elsewhere sends nothing more;
 * the bound refuses; a delivery that keeps failing is given up; an unreadable one is dropped; and
 * without a reachable store a delivery is still answered, from memory.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { Writable } from "node:stream";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { createPendingDeliveries, type HeldDelivery, type PendingDeliveriesOptions } from "../../src/state/pending-deliveries.js";
import { createPayloadSeal } from "../../src/state/sealed-payload.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { waitFor } from "../telegram/support/wait-for.js";

const QUESTION = JSON.stringify({ text: "宝宝湿疹怎么护理，电话13812345678" });
const REPLY = JSON.stringify({ messages: ["湿疹护理：保湿为主", "来源：儿科常见问题"] });
const seal = createPayloadSeal("123456:bot-token-for-tests", "telegram-update");

let root: string;
const opened: SqliteStateStore[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-pending-deliveries-"));
});

afterAll(async () => {
  for (const store of opened) await store.close();
  if (root) await rm(root, { recursive: true, force: true });
});

function openStore(name: string): SqliteStateStore {
  const store = openSqliteStateStore({ dataDir: path.join(root, name) });
  opened.push(store);
  return store;
}

function runner(overrides: Partial<PendingDeliveriesOptions> & Pick<PendingDeliveriesOptions, "store">) {
  const logs: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) } as unknown as Writable;
  const resumed: HeldDelivery[] = [];
  const deliveries = createPendingDeliveries({
    kind: "telegram-update",
    seal,
    leaseMs: 60_000,
    maxPending: 100,
    logger: createLogger("debug", destination),
    resume: (delivery) => resumed.push(delivery),
    ...overrides,
  });
  return { deliveries, resumed, logs };
}

async function taken(deliveries: ReturnType<typeof runner>["deliveries"], id: string, payload = QUESTION): Promise<HeldDelivery> {
  const intake = await deliveries.accept(id, payload);
  if (intake.outcome !== "taken") throw new Error(`expected ${id} to be taken, got ${intake.outcome}`);
  return intake.delivery;
}

it("a delivery a dead process prepared and half sent is resumed after the restart from the next message, and answered once", async () => {
  const before = openStore("restart");
  const dying = runner({ store: before });
  const delivery = await taken(dying.deliveries, "bot:1");
  expect(delivery.durable).toBe(true);
  await delivery.saveReply(REPLY);
  await delivery.beforeSend();
  await delivery.sent(1);
  // The process dies: no stop, its lease stays in the file.
  await before.close();

  const after = openStore("restart");
  const restarted = runner({ store: after });
  // Telegram re-delivers it before the takeover looked: the restart takes it there, with its progress.
  const redelivered = await taken(restarted.deliveries, "bot:1");
  expect({ payload: redelivered.payload, reply: redelivered.reply, sentParts: redelivered.sentParts }).toEqual({
    payload: QUESTION,
    reply: REPLY,
    sentParts: 1,
  });
  // A second re-delivery finds it in hand.
  expect((await restarted.deliveries.accept("bot:1", QUESTION)).outcome).toBe("pending");
  await redelivered.beforeSend();
  await redelivered.sent(2);
  await redelivered.complete();
  expect((await restarted.deliveries.accept("bot:1", QUESTION)).outcome).toBe("answered");
  await restarted.deliveries.stop();
});

it("what a dead process left is taken over at the restart without waiting for a re-delivery", async () => {
  const before = openStore("takeover");
  const dying = runner({ store: before });
  for (const id of ["bot:10", "bot:11", "bot:12"]) await taken(dying.deliveries, id, JSON.stringify({ id }));
  await (await taken(dying.deliveries, "bot:13")).complete();
  await before.close();

  const restarted = runner({ store: openStore("takeover") });
  restarted.deliveries.start();
  await waitFor(() => (restarted.resumed.length >= 3 ? true : undefined), 30_000);
  expect(restarted.resumed.map((delivery) => [delivery.id, delivery.payload])).toEqual([
    ["bot:10", JSON.stringify({ id: "bot:10" })],
    ["bot:11", JSON.stringify({ id: "bot:11" })],
    ["bot:12", JSON.stringify({ id: "bot:12" })],
  ]);
  expect(restarted.deliveries.held).toBe(3);
  await restarted.deliveries.stop();
});

it("keeps neither the question nor the prepared answer in clear in the store", async () => {
  const store = openStore("sealed");
  const { deliveries } = runner({ store });
  const delivery = await taken(deliveries, "bot:20");
  await delivery.saveReply(REPLY);
  const row = store.database.prepare("SELECT payload, reply FROM pending_deliveries").get() as { payload: string; reply: string };
  for (const secret of ["湿疹", "13812345678", "保湿"]) expect(JSON.stringify(row)).not.toContain(secret);
  expect(seal.open(row.payload)).toBe(QUESTION);
});

it("a holder whose delivery was taken over sends nothing more for it", async () => {
  const store = openStore("lost");
  const { deliveries, logs } = runner({ store });
  const delivery = await taken(deliveries, "bot:30");
  // Another replica found the lease lapsed (as if this process had stalled past it) and took the delivery.
  const [takenElsewhere] = await store.takeLapsedDeliveries({
    kind: "telegram-update",
    owner: "other-replica",
    leaseMs: 60_000,
    limit: 5,
    now: Date.now() + 120_000,
  });
  expect(takenElsewhere?.id).toBe("bot:30");
  await expect(delivery.beforeSend()).rejects.toMatchObject({ code: "DELIVERY_LEASE_LOST" });
  expect(deliveries.held).toBe(0);
  expect(logs.filter((line) => line.level === "error")).toEqual([]);
});

it("refuses deliveries past the bound, once with a warning, and takes them again once one is answered", async () => {
  const store = openStore("bound");
  const { deliveries, logs } = runner({ store, maxPending: 2 });
  const first = await taken(deliveries, "bot:40");
  await taken(deliveries, "bot:41");
  expect((await deliveries.accept("bot:42", QUESTION)).outcome).toBe("full");
  expect((await deliveries.accept("bot:43", QUESTION)).outcome).toBe("full");
  expect(logs.filter((line) => String(line.msg).includes("PENDING_DELIVERIES_MAX"))).toHaveLength(1);
  await first.complete();
  expect((await deliveries.accept("bot:42", QUESTION)).outcome).toBe("taken");
});

it("gives a delivery that keeps failing back for another try, and gives it up after the last", async () => {
  const store = openStore("retries");
  const { deliveries, logs } = runner({ store, maxAttempts: 2, leaseMs: 200 });
  const delivery = await taken(deliveries, "bot:50");
  await delivery.retryLater();
  expect(deliveries.held).toBe(0);
  const [again] = await store.takeLapsedDeliveries({ kind: "telegram-update", owner: "next", leaseMs: 60_000, limit: 5, now: Date.now() + 1000 });
  expect(again).toMatchObject({ id: "bot:50", attempts: 1 });

  const second = await taken(deliveries, "bot:51");
  await second.retryLater();
  const resumedOnce = runner({ store, maxAttempts: 2, leaseMs: 200 });
  resumedOnce.deliveries.start();
  const retried = await waitFor(() => resumedOnce.resumed.find((each) => each.id === "bot:51"), 30_000);
  await retried.retryLater();
  expect(resumedOnce.logs).toContainEqual(expect.objectContaining({ level: "error", deliveryId: "bot:51", attempts: 2 }));
  expect((await deliveries.accept("bot:51", QUESTION)).outcome).toBe("answered");
  await resumedOnce.deliveries.stop();
  expect(logs.filter((line) => line.level === "error")).toEqual([]);
});

it("drops a delivery sealed under another secret (the bot token changed) instead of sending it", async () => {
  const store = openStore("unreadable");
  const { deliveries } = runner({ store });
  await taken(deliveries, "bot:60");
  store.database.prepare("UPDATE pending_deliveries SET lease_expires_at = 0").run();
  const newToken = runner({ store, seal: createPayloadSeal("654321:another-token", "telegram-update") });
  newToken.deliveries.start();
  await waitFor(() => newToken.logs.find((line) => line.msg === "pending delivery unreadable; dropped" && line.deliveryId === "bot:60"), 30_000);
  await newToken.deliveries.stop();
  expect(newToken.resumed).toEqual([]);
  expect(store.database.prepare("SELECT count(*) AS n FROM pending_deliveries").get()).toEqual({ n: 0 });
});

it("answers from memory when the store cannot be asked, and when there is none", async () => {
  const store = openStore("closed");
  await store.close();
  const { deliveries, logs } = runner({ store });
  const delivery = await taken(deliveries, "bot:70");
  expect(delivery.durable).toBe(false);
  await delivery.saveReply(REPLY);
  await delivery.beforeSend();
  await delivery.sent(1);
  await delivery.complete();
  expect(logs).toContainEqual(expect.objectContaining({ level: "warn", deliveryId: "bot:70" }));

  const withoutStore = runner({ store: undefined });
  expect((await taken(withoutStore.deliveries, "bot:71")).durable).toBe(false);
});

it("goes on sending while its lease holds when the store stops answering mid-way", async () => {
  const store = openStore("outage");
  const { deliveries, logs } = runner({ store });
  const delivery = await taken(deliveries, "bot:80");
  await store.close();
  await delivery.beforeSend();
  await delivery.sent(1);
  expect(logs.filter((line) => line.level === "warn" && line.deliveryId === "bot:80")).toHaveLength(2);
});
