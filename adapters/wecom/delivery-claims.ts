/**
 * WeCom's delivery dedupe across restarts: the first delivery of a MsgId claims it in the state
 * store, so a retry that reaches a restarted process (WeCom retries for about 15 s) is not
 * answered a second time. The in-memory dedupe still answers retries within one process.
 */
import type { Logger } from "pino";
import type { StateStore } from "../../src/state/state-store.js";

export type DeliveryClaims = Pick<StateStore, "claim">;

/** Longer than WeCom's retry window and a restart; ids are unique per message anyway. */
export const DELIVERY_CLAIM_TTL_MS = 24 * 60 * 60_000;

/** True when this delivery is the first (or the store cannot tell: answering twice beats not answering). */
export async function claimDelivery(claims: DeliveryClaims | undefined, id: string, logger: Logger): Promise<boolean> {
  if (!claims) return true;
  try {
    return await claims.claim("wecom-msgid", id, DELIVERY_CLAIM_TTL_MS);
  } catch (error) {
    logger.warn({ err: error }, "wecom: delivery dedupe unavailable in the state store; the in-memory check alone applies");
    return true;
  }
}
