/**
 * An acknowledged question is answered, even across a crash. A platform delivery is recorded in
 * the state store before it is acknowledged (`accept`), its prepared answer and each message sent
 * are saved as they happen, and only once the last message went out is it marked answered (a
 * dedupe record, so a repeat is dropped) and removed. Whoever records or takes a delivery holds a
 * lease on it, renewed while it works; a delivery whose holder died is taken over once the lease
 * lapses (on SQLite at once after a restart) and resumed from the first message not yet sent.
 *
 * Two holders never send for one delivery: before each message the holder renews its lease, and
 * one that cannot reach the store stops sending once its lease may have lapsed. What no store can
 * close is the moment between the platform accepting a message and the store recording it: a crash
 * exactly then sends that one message again after the restart (Telegram and WeCom take no
 * idempotency key for a sent message).
 *
 * When the store cannot be asked at all, a delivery is answered from memory and not kept:
 * answering beats refusing while the database is away.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { LeasedDelivery, type DeliveryStore, type HeldDelivery, type Holding } from "./held-delivery.js";
import type { PayloadSeal } from "./sealed-payload.js";
import type { DedupeKind, PendingDelivery } from "./state-store.js";

export { isLeaseLost, leaseLost, type DeliveryStore, type HeldDelivery } from "./held-delivery.js";

/** Tries of a delivery whose platform cannot be reached before it is given up. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Lapsed deliveries taken in one query. */
const TAKEOVER_BATCH = 100;

/** The settings every platform's pending deliveries follow (PENDING_DELIVERIES_MAX, DELIVERY_LEASE_SECONDS). */
export interface DeliverySettings {
  /** Deliveries of one platform that may wait for an answer at once. */
  maxPending: number;
  /** How long a replica's hold on a delivery lasts unless renewed. */
  leaseMs: number;
}

export type AcceptOutcome = { outcome: "taken"; delivery: HeldDelivery } | { outcome: "pending" | "answered" | "full" };

export interface PendingDeliveriesOptions {
  /** Without one every delivery is answered from memory. */
  store?: DeliveryStore;
  kind: DedupeKind;
  seal: PayloadSeal;
  leaseMs: number;
  /** Deliveries of this kind that may wait at once (PENDING_DELIVERIES_MAX); beyond it intake says "full". */
  maxPending: number;
  maxAttempts?: number;
  logger: Logger;
  /** Answers a delivery taken over from a holder that died, or given back for another try. */
  resume(delivery: HeldDelivery): void;
}

export interface PendingDeliveries {
  /** Records a delivery before it is acknowledged; "full" means: do not acknowledge it. */
  accept(id: string, payload: string): Promise<AcceptOutcome>;
  /** Starts renewing leases and taking over lapsed deliveries (the first look is immediate). */
  start(): void;
  /** Takes nothing more over (a stop has begun); leases in hand are still renewed. */
  stopTakingOver(): void;
  /** Stops both; deliveries still held are given back for the next holder. */
  stop(): Promise<void>;
  /** Deliveries held here now. */
  readonly held: number;
}

export function createPendingDeliveries(options: PendingDeliveriesOptions): PendingDeliveries {
  const { store, kind, seal, leaseMs, logger } = options;
  const held = new Map<string, LeasedDelivery>();
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let takeOverTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let full = false;
  let takingOver: Promise<void> | undefined;
  const holding: Holding = {
    store,
    kind,
    // Unique per adapter instance: a restarted process never mistakes its predecessor's leases for its own.
    owner: randomUUID(),
    leaseMs,
    seal,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    logger,
    held,
    retryInProcess(delivery) {
      setTimeout(() => {
        if (!stopped) options.resume(delivery);
      }, leaseMs).unref();
    },
  };
  const { owner } = holding;

  function open(record: PendingDelivery, payload: string | undefined, leasedAt: number): LeasedDelivery | undefined {
    let reply: string | undefined;
    try {
      reply = record.reply === undefined ? undefined : seal.open(record.reply);
      payload ??= seal.open(record.payload);
    } catch (error) {
      logger.error({ err: error, kind, deliveryId: record.id }, "pending delivery unreadable; dropped");
      void store?.completeDelivery(kind, record.id, 0).catch(() => undefined);
      return undefined;
    }
    return new LeasedDelivery(holding, record.id, payload, { reply, sentParts: record.sentParts, attempts: record.attempts }, true, leasedAt);
  }

  async function heartbeat(): Promise<void> {
    if (!store || held.size === 0) return;
    const startedAt = Date.now();
    try {
      await store.renewDeliveryLeases(owner, leaseMs, startedAt);
      for (const delivery of held.values()) delivery.validUntil = startedAt + leaseMs;
    } catch (error) {
      logger.warn({ err: error, kind, held: held.size }, "pending delivery leases not renewed; the state store cannot be reached");
      return;
    }
    for (const delivery of [...held.values()].filter((each) => each.completing)) await delivery.complete();
  }

  async function takeOver(): Promise<void> {
    if (!store) return;
    while (!stopped) {
      const room = Math.min(TAKEOVER_BATCH, options.maxPending - held.size);
      if (room <= 0) return;
      const leasedAt = Date.now();
      let records: PendingDelivery[];
      try {
        records = await store.takeLapsedDeliveries({ kind, owner, leaseMs, limit: room, now: leasedAt });
      } catch (error) {
        logger.debug({ err: error, kind }, "pending deliveries not looked at: the state store cannot be reached");
        return;
      }
      for (const record of records) {
        // Ours already (its lease lapsed while it waited here): it is in hand, renewed now.
        if (held.has(record.id)) continue;
        const delivery = open(record, undefined, leasedAt);
        if (!delivery) continue;
        logger.info({ kind, deliveryId: record.id, sentParts: record.sentParts }, "pending delivery taken over: its holder died or gave it back");
        try {
          options.resume(delivery);
        } catch (error) {
          logger.error({ err: error, kind, deliveryId: record.id }, "pending delivery could not be resumed");
          delivery.abandon();
        }
      }
      if (records.length < room) return;
    }
  }

  function stopTakingOver(): void {
    stopped = true;
    clearInterval(takeOverTimer);
    takeOverTimer = undefined;
  }

  function lookForLapsed(): void {
    takingOver ??= takeOver().finally(() => (takingOver = undefined));
  }

  return {
    async accept(id, payload) {
      const volatile = (): AcceptOutcome => ({
        outcome: "taken",
        delivery: new LeasedDelivery(holding, id, payload, { sentParts: 0, attempts: 0 }, false, Date.now()),
      });
      if (!store) return volatile();
      const leasedAt = Date.now();
      let intake;
      try {
        intake = await store.acceptDelivery({ kind, id, payload: seal.seal(payload), owner, leaseMs, maxPending: options.maxPending, now: leasedAt });
      } catch (error) {
        logger.warn({ err: error, kind, deliveryId: id }, "pending delivery not recorded: the state store cannot be reached; answered from memory");
        return volatile();
      }
      if (intake.outcome === "full") {
        if (!full)
          logger.warn(
            { kind, maxPending: options.maxPending },
            "pending deliveries are at PENDING_DELIVERIES_MAX; new deliveries are refused until answers go out",
          );
        full = true;
        return intake;
      }
      if (intake.outcome !== "taken") return intake;
      if (full) logger.info({ kind }, "pending deliveries below PENDING_DELIVERIES_MAX again; deliveries are taken in");
      full = false;
      // In hand here already (its lease lapsed while it waited): it is being answered.
      if (held.has(id)) return { outcome: "pending" };
      const delivery = open(intake.delivery, payload, leasedAt);
      return delivery ? { outcome: "taken", delivery } : { outcome: "answered" };
    },

    start() {
      if (!store || heartbeatTimer) return;
      stopped = false;
      heartbeatTimer = setInterval(() => void heartbeat(), Math.max(50, Math.floor(leaseMs / 3))).unref();
      takeOverTimer = setInterval(lookForLapsed, Math.max(50, Math.floor(leaseMs / 2))).unref();
      lookForLapsed();
    },

    stopTakingOver,

    async stop() {
      stopTakingOver();
      clearInterval(heartbeatTimer);
      heartbeatTimer = undefined;
      await takingOver;
      for (const delivery of [...held.values()]) {
        if (delivery.completing) await delivery.complete();
        else await store?.releaseDelivery(kind, delivery.id, owner, Date.now(), false).catch(() => undefined);
        held.delete(delivery.id);
      }
    },

    get held() {
      return held.size;
    },
  };
}
