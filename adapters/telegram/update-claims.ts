/**
 * Telegram's update dedupe across replicas and restarts, in the state store. An update is first
 * claimed as a short lease; once this replica has taken it in (the middleware handed it on, so the
 * webhook call is answered, or the next poll confirms the offset) the claim is confirmed and kept
 * for a day. A replica that dies in between leaves only the lease, so the update, delivered again
 * to another replica, is answered there.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { StateStore } from "../../src/state/state-store.js";

/**
 * Telegram delivers an update again only when it was not acknowledged: a webhook call that got no
 * 200, or updates fetched by a poller that died before its next getUpdates confirmed the offset.
 * A replica takes an update in within milliseconds of its lease, so 4 s covers a slow database.
 * After a poller dies another replica takes over within TELEGRAM_POLLING_RETRY_SECONDS (5 s) and
 * may fetch the update before the lease lapsed, which is why a claim found leased is tried once
 * more after one lease: a dead replica's lease has lapsed by then, a confirmed claim has not.
 */
export const UPDATE_LEASE_MS = 4_000;
/** Waited beyond a lease before the second try: timers may fire a millisecond early, and replicas' clocks differ a little. */
const LEASE_MARGIN_MS = 100;
/** Far longer than Telegram redelivers an update (minutes) and a restart. */
export const UPDATE_CLAIM_TTL_MS = 24 * 60 * 60_000;

const KIND = "telegram-update";

export interface UpdateClaims {
  /** True when this replica takes the update (the first delivery, or one whose first taker died). */
  take(key: string): Promise<boolean>;
  /** The update was taken in: keep the claim for a day. */
  confirm(key: string): Promise<void>;
}

export interface UpdateClaimOptions {
  leaseMs?: number;
  /** Waits out a lease; tests pass their own. */
  wait?: (ms: number) => Promise<unknown>;
}

/** Rejects when the store cannot be asked; the caller falls back to its in-memory check. */
export function createUpdateClaims(store: Pick<StateStore, "claim" | "confirmClaim">, logger: Logger, options: UpdateClaimOptions = {}): UpdateClaims {
  const leaseMs = options.leaseMs ?? UPDATE_LEASE_MS;
  const wait = options.wait ?? ((ms: number) => sleep(ms));
  return {
    async take(key) {
      if (await store.claim(KIND, key, leaseMs)) return true;
      await wait(leaseMs + LEASE_MARGIN_MS);
      const taken = await store.claim(KIND, key, leaseMs);
      if (taken) logger.info({ key }, "telegram update taken over: the replica that claimed it did not take it in");
      return taken;
    },
    async confirm(key) {
      try {
        await store.confirmClaim(KIND, key, UPDATE_CLAIM_TTL_MS);
      } catch (error) {
        logger.warn({ err: error, key }, "telegram update claim not confirmed in the state store; a redelivery after its lease may be answered again");
      }
    },
  };
}
