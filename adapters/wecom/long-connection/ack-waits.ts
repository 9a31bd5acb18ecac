/**
 * Frames waiting for their ack, by req_id. WeCom matches an ack to its frame only by req_id, and a
 * req_id has at most one frame in flight (the reply lines see to that), so one waiter per req_id.
 */
import type { ConnectionTimers } from "./timers.js";

export interface Ack {
  errcode: number;
  errmsg: string;
}

export type AckOutcome = { kind: "ack"; ack: Ack } | { kind: "timeout" } | { kind: "closed" };

export interface AckWaits {
  /** Settles with the ack of `reqId`, a timeout after `timeoutMs` (none when absent), or "closed". */
  wait(reqId: string, timeoutMs?: number): Promise<AckOutcome>;
  /** Hands an ack to its waiter; false when nothing waits for it. */
  settle(reqId: string, ack: Ack): boolean;
  /** The socket went away: every waiter learns its frame may not have arrived. */
  closeAll(): void;
}

export function createAckWaits(timers: ConnectionTimers): AckWaits {
  const waiting = new Map<string, (outcome: AckOutcome) => void>();
  return {
    wait(reqId, timeoutMs) {
      return new Promise((resolve) => {
        const cancelTimeout = timeoutMs === undefined ? undefined : timers.after(timeoutMs, () => finish({ kind: "timeout" }));
        function finish(outcome: AckOutcome) {
          cancelTimeout?.();
          if (waiting.get(reqId) === finish) waiting.delete(reqId);
          resolve(outcome);
        }
        waiting.set(reqId, finish);
      });
    },
    settle(reqId, ack) {
      const finish = waiting.get(reqId);
      finish?.({ kind: "ack", ack });
      return finish !== undefined;
    },
    closeAll() {
      for (const finish of [...waiting.values()]) finish({ kind: "closed" });
    },
  };
}
