/**
 * What the long connection is doing, as /healthz and the admin overview show it. `since` is when
 * the state began: for "reconnecting" that is when the connection dropped, not the latest try.
 */
export type LongConnectionStateName =
  /** Dialling or waiting for the subscribe ack. */
  | "connecting"
  | "connected"
  /** Dropped; the next try comes after the backoff. */
  | "reconnecting"
  /** Another replica sharing the state store holds the connection; this one takes over when it dies. */
  | "standby"
  /** WeCom sent disconnected_event: another instance subscribed with this bot. Stopped for good. */
  | "replaced"
  /** WeCom refused the Bot ID or Secret (853000). Stopped for good. */
  | "refused"
  | "stopped";

export interface LongConnectionState {
  state: LongConnectionStateName;
  /** Epoch milliseconds. */
  since: number;
  /** Words an operator can act on; never a secret. */
  detail?: string;
}

/** The states no retry leaves: the process stays out of the way until someone restarts it. */
export function isFinalState(state: LongConnectionStateName): boolean {
  return state === "replaced" || state === "refused" || state === "stopped";
}
