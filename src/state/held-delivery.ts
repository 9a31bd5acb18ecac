/**
 * One pending delivery in this process's hands (pending-deliveries.ts): its methods keep the state
 * store up to date as the answer is prepared and sent, and fence the sending. Before each message
 * the lease is renewed; a holder whose lease went to another replica sends nothing more, and one
 * that cannot reach the store goes on only while its own clock says the lease surely holds.
 */
import type { Logger } from "pino";
import { KnowledgeBotError } from "../core/errors.js";
import type { PayloadSeal } from "./sealed-payload.js";
import type { DedupeKind, StateStore } from "./state-store.js";

export type DeliveryStore = Pick<
  StateStore,
  "acceptDelivery" | "takeLapsedDeliveries" | "renewDeliveryLeases" | "updateDelivery" | "releaseDelivery" | "completeDelivery"
>;

/** Far longer than Telegram and WeCom re-deliver (minutes) and a restart. */
export const ANSWERED_MEMORY_MS = 24 * 60 * 60_000;

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

/** What every held delivery of one runner shares. */
export interface Holding {
  store?: DeliveryStore;
  kind: DedupeKind;
  /** This runner's lease holder name. */
  owner: string;
  leaseMs: number;
  seal: PayloadSeal;
  maxAttempts: number;
  logger: Logger;
  /** The deliveries this runner holds in the store, by id; the heartbeat renews them. */
  held: Map<string, LeasedDelivery>;
  /** Tries a delivery kept in no store again in this process, after a lease. */
  retryInProcess(delivery: LeasedDelivery): void;
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

export class LeasedDelivery implements HeldDelivery {
  /** Until when this replica's lease surely holds (by its own clock). */
  validUntil: number;
  /** Sent in full but not yet recorded as answered (the store failed): the heartbeat tries again. */
  completing = false;
  reply: string | undefined;
  sentParts: number;
  attempts: number;

  constructor(
    private readonly holding: Holding,
    readonly id: string,
    readonly payload: string,
    record: { reply?: string; sentParts: number; attempts: number },
    readonly durable: boolean,
    leasedAt: number,
  ) {
    this.reply = record.reply;
    this.sentParts = record.sentParts;
    this.attempts = record.attempts;
    this.validUntil = durable ? leasedAt + holding.leaseMs : Number.POSITIVE_INFINITY;
    if (durable) holding.held.set(id, this);
  }

  /** A margin of a third of the lease: the heartbeat renews every third, so a healthy holder never gets near it. */
  private leaseHolds(): boolean {
    return Date.now() < this.validUntil - this.holding.leaseMs / 3;
  }

  private async save(change: { reply?: string; sentParts?: number }): Promise<void> {
    const { store, kind, owner, leaseMs, logger } = this.holding;
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
    await this.save({ reply: this.holding.seal.seal(reply) });
  }

  beforeSend(): Promise<void> {
    if (!this.durable) return Promise.resolve();
    if (!this.holding.held.has(this.id)) return Promise.reject(leaseLost(this.id));
    return this.save({});
  }

  async sent(partsDone: number): Promise<void> {
    this.sentParts = Math.max(this.sentParts, partsDone);
    await this.save({ sentParts: this.sentParts });
  }

  async complete(): Promise<void> {
    const { store, kind, held, logger } = this.holding;
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
    const { store, kind, owner, leaseMs, held, logger } = this.holding;
    this.attempts += 1;
    if (this.attempts >= this.holding.maxAttempts) {
      logger.error({ kind, deliveryId: this.id, attempts: this.attempts }, "pending delivery given up: its platform could not be reached on any try");
      if (this.durable) await this.complete();
      return;
    }
    if (!this.durable || !store) {
      // Nothing kept in a store: this process tries again by itself.
      this.holding.retryInProcess(this);
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
    if (this.holding.held.get(this.id) === this) this.holding.held.delete(this.id);
  }
}
