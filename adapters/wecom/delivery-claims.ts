/**
 * WeCom's delivery dedupe across replicas and restarts. A delivery first takes a short lease on
 * its MsgId in the state store; once this replica has acknowledged it to WeCom (the empty 200, or
 * the AI bot's first stream reply) the claim is confirmed and kept for a day, so no later retry
 * is answered again. A replica that dies between the lease and the acknowledgement leaves only the
 * lease, and WeCom's next retry is taken by whichever replica it reaches. The in-memory dedupe
 * still answers retries within one process.
 */
import type { Logger } from "pino";
import type { StateStore } from "../../src/state/state-store.js";

export type DeliveryClaims = Pick<StateStore, "claim" | "confirmClaim">;

/**
 * WeCom waits 5 s for a callback's response, then re-sends it, three deliveries in all
 * (wecom-protocol.md, doc/90238), so a retry comes at least 5 s after the delivery before it. A
 * replica acknowledges within milliseconds of taking the lease, and confirms it then; a lease of
 * 4 s has lapsed by the next retry when the replica died first, and still covers an
 * acknowledgement slowed by a busy database.
 */
export const DELIVERY_LEASE_MS = 4_000;
/** Longer than WeCom's retry window and a restart; ids are unique per message anyway. */
export const DELIVERY_CLAIM_TTL_MS = 24 * 60 * 60_000;

const KIND = "wecom-msgid";

/** True when this delivery is the first (or the store cannot tell: answering twice beats not answering). */
export async function claimDelivery(claims: DeliveryClaims | undefined, id: string, logger: Logger): Promise<boolean> {
  if (!claims) return true;
  try {
    return await claims.claim(KIND, id, DELIVERY_LEASE_MS);
  } catch (error) {
    logger.warn({ err: error }, "wecom: delivery dedupe unavailable in the state store; the in-memory check alone applies");
    return true;
  }
}

/**
 * True when this replica may take over a message another delivery opened: the store holds no live
 * claim for it (the replica that took it died before acknowledging). Without a store, or when it
 * cannot be asked, false: the delivery that opened it is in this process, or was answered.
 */
export async function takeOverDelivery(claims: DeliveryClaims | undefined, id: string, logger: Logger): Promise<boolean> {
  if (!claims) return false;
  try {
    return await claims.claim(KIND, id, DELIVERY_LEASE_MS);
  } catch (error) {
    logger.warn({ err: error }, "wecom: delivery dedupe unavailable in the state store; a retry is not taken over");
    return false;
  }
}

/** Keeps the claim for a day once the delivery was acknowledged; a failure leaves the lease, which only lets a later retry through. */
export async function confirmDelivery(claims: DeliveryClaims | undefined, id: string, logger: Logger): Promise<void> {
  if (!claims) return;
  try {
    await claims.confirmClaim(KIND, id, DELIVERY_CLAIM_TTL_MS);
  } catch (error) {
    logger.warn({ err: error }, "wecom: delivery claim not confirmed in the state store; a retry after its lease may be answered again");
  }
}
