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
 * When the store cannot be asked at all, a delivery is answered from memory, as before this
 * existed: answering beats refusing while the database is away.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { KnowledgeBotError } from "../core/errors.js";
import type { PayloadSeal } from "./sealed-payload.js";
import type { DedupeKind, PendingDelivery, StateStore } from "./state-store.js";

export type DeliveryStore = Pick<
  StateStore,
  "acceptDelivery" | "takeLapsedDeliveries" | "renewDeliveryLeases" | "updateDelivery" | "releaseDelivery" | "completeDelivery"
>;

/** Far longer than Telegram and WeCom re-deliver (minutes) and a restart. */
export const ANSWERED_MEMORY_MS = 24 * 60 * 60_000;
/** Tries of a delivery whose platform cannot be reached before it is given up. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Lapsed deliveries taken in one query. */
const TAKEOVER_BATCH = 100;

/** One delivery this process answers. Its methods keep the store up to date; none sends anything. */
export interface HeldDelivery {
  readonly id: string;
  /** What the platform delivered, in clear. */
  readonly payload: string;
  /** The answer prepared before (a resumed delivery), in clear; send it rather than asking again. */
  readonly reply: string | undefined;
  /** Messages of the reply already done; a resumed delivery sends from here. */
  readonly sentParts: number;
  readonly attempts: number;
  /** False when the store could not keep it: answered from memory only. */
  readonly durable: boolean;
  /** Keeps the prepared answer, so a takeover sends the same messages. */
  saveReply(reply: string): Promise<void>;
  /** Call before each message: throws DELIVERY_LEASE_LOST when another holder has it now (send nothing). */
  beforeSend(): Promise<void>;
  /** `partsDone` messages are done (sent, or refused for good). */
  sent(partsDone: number): Promise<void>;
  /** Every message went out: answered, never sent again. */
  complete(): Promise<void>;
  /** The platform could not be reached: try again after a lease, or give up after the last try. */
  retryLater(): Promise<void>;
  /** The lease went to another holder: forget it here. */
  abandon(): void;
}

export type DeliveryIntake = { outcome: "taken"; delivery: HeldDelivery } | { outcome: "pending" | "answered" | "full" };

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
  accept(id: string, payload: string): Promise<DeliveryIntake>;
  /** Starts renewing leases and taking over lapsed deliveries (the first look is immediate). */
  start(): void;
  /** Takes nothing more over (a stop has begun); leases in hand are still renewed. */
  stopTakingOver(): void;
  /** Stops both; deliveries still held are given back for the next holder. */
  stop(): Promise<void>;
  /** Deliveries held here now. */
  readonly held: number;
}

export function leaseLost(id: string): KnowledgeBotError {
  return new KnowledgeBotError(
    "DELIVERY_LEASE_LOST",
    `Delivery ${id} is now held by another replica; this one sends nothing more for it.`,
    "Nothing to do: a replica whose lease lapsed (a stalled process or an unreachable database) hands its deliveries over.",
  );
}

export function isLeaseLost(error: unknown): boolean {
  return error instanceof KnowledgeBotError && error.code === "DELIVERY_LEASE_LOST";
}

export function createPendingDeliveries(options: PendingDeliveriesOptions): PendingDeliveries {
  const { store, kind, seal, leaseMs, logger } = options;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  // Unique per adapter instance: a restarted process never mistakes its predecessor's leases for its own.
  const owner = randomUUID();
  const held = new Map<string, Held>();
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let takeOverTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let full = false;
  let takingOver: Promise<void> | undefined;

  class Held implements HeldDelivery {
    /** Until when this replica's lease surely holds (by its own clock). */
    validUntil: number;
    /** Sent in full but not yet recorded as answered (the store failed): the heartbeat tries again. */
    completing = false;
    reply: string | undefined;
    sentParts: number;
    attempts: number;

    constructor(
      readonly id: string,
      readonly payload: string,
      record: { reply?: string; sentParts: number; attempts: number },
      readonly durable: boolean,
      leasedAt: number,
    ) {
      this.reply = record.reply;
      this.sentParts = record.sentParts;
      this.attempts = record.attempts;
      this.validUntil = durable ? leasedAt + leaseMs : Number.POSITIVE_INFINITY;
      if (durable) held.set(id, this);
    }

    /** A margin of a third of the lease: the heartbeat renews every third, so a healthy holder never gets near it. */
    private leaseHolds(): boolean {
      return Date.now() < this.validUntil - leaseMs / 3;
    }

    private async save(change: { reply?: string; sentParts?: number }): Promise<void> {
      if (!this.durable || !store) return;
      const startedAt = Date.now();
      let kept: boolean;
      try {
        kept = await store.updateDelivery(kind, this.id, owner, change, leaseMs, startedAt);
      } catch (error) {
        if (this.leaseHolds()) {
          logger.warn({ err: error, kind, deliveryId: this.id }, "pending delivery: progress not saved in the state store; going on while the lease holds");
          return;
        }
        this.abandon();
        throw leaseLost(this.id);
      }
      if (!kept) {
        this.abandon();
        throw leaseLost(this.id);
      }
      this.validUntil = startedAt + leaseMs;
    }

    async saveReply(reply: string): Promise<void> {
      this.reply = reply;
      await this.save({ reply: seal.seal(reply) });
    }

    beforeSend(): Promise<void> {
      if (!this.durable) return Promise.resolve();
      if (!held.has(this.id)) return Promise.reject(leaseLost(this.id));
      return this.save({});
    }

    async sent(partsDone: number): Promise<void> {
      this.sentParts = Math.max(this.sentParts, partsDone);
      await this.save({ sentParts: this.sentParts });
    }

    async complete(): Promise<void> {
      if (!this.durable || !store) return;
      this.completing = true;
      try {
        await store.completeDelivery(kind, this.id, ANSWERED_MEMORY_MS);
        held.delete(this.id);
      } catch (error) {
        // Still held (its lease renewed), so nobody answers it again; the heartbeat records it later.
        logger.warn({ err: error, kind, deliveryId: this.id }, "pending delivery answered, but not yet recorded as answered in the state store; tried again");
      }
    }

    async retryLater(): Promise<void> {
      this.attempts += 1;
      if (this.attempts >= maxAttempts) {
        logger.error({ kind, deliveryId: this.id, attempts: this.attempts }, "pending delivery given up: its platform could not be reached on any try");
        if (this.durable) await this.complete();
        return;
      }
      if (!this.durable || !store) {
        // Nothing kept in a store: this process tries again by itself.
        setTimeout(() => {
          if (!stopped) options.resume(this);
        }, leaseMs).unref();
        return;
      }
      held.delete(this.id);
      await store
        .releaseDelivery(kind, this.id, owner, Date.now() + leaseMs, true)
        .catch((error: unknown) =>
          logger.warn({ err: error, kind, deliveryId: this.id }, "pending delivery not given back in the state store; it is taken again once its lease lapses"),
        );
    }

    abandon(): void {
      if (held.get(this.id) === this) held.delete(this.id);
    }
  }

  function open(record: PendingDelivery, payload: string | undefined, leasedAt: number): Held | undefined {
    let reply: string | undefined;
    try {
      reply = record.reply === undefined ? undefined : seal.open(record.reply);
      payload ??= seal.open(record.payload);
    } catch (error) {
      logger.error({ err: error, kind, deliveryId: record.id }, "pending delivery unreadable; dropped");
      void store?.completeDelivery(kind, record.id, 0).catch(() => undefined);
      return undefined;
    }
    return new Held(record.id, payload, { reply, sentParts: record.sentParts, attempts: record.attempts }, true, leasedAt);
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

  function lookForLapsed(): void {
    takingOver ??= takeOver().finally(() => (takingOver = undefined));
  }

  return {
    async accept(id, payload) {
      const volatile = (): DeliveryIntake => ({ outcome: "taken", delivery: new Held(id, payload, { sentParts: 0, attempts: 0 }, false, Date.now()) });
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

    stopTakingOver() {
      stopped = true;
      clearInterval(takeOverTimer);
      takeOverTimer = undefined;
    },

    async stop() {
      this.stopTakingOver();
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
