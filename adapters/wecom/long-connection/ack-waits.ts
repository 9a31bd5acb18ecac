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
  /** Settles with the ack of `requestId`, a timeout after `timeoutMs` (none when absent), or "closed". */
  wait(requestId: string, timeoutMs?: number): Promise<AckOutcome>;
  /** Hands an ack to its waiter; false when nothing waits for it. */
  settle(requestId: string, ack: Ack): boolean;
  /** The socket went away: every waiter learns its frame may not have arrived. */
  closeAll(): void;
}

export function createAckWaits(timers: ConnectionTimers): AckWaits {
  const waiting = new Map<string, (outcome: AckOutcome) => void>();
  return {
    wait(requestId, timeoutMs) {
      return new Promise((resolve) => {
        const cancelTimeout = timeoutMs === undefined ? undefined : timers.after(timeoutMs, () => finish({ kind: "timeout" }));
        function finish(outcome: AckOutcome) {
          cancelTimeout?.();
          if (waiting.get(requestId) === finish) waiting.delete(requestId);
          resolve(outcome);
        }
        waiting.set(requestId, finish);
      });
    },
    settle(requestId, ack) {
      const finish = waiting.get(requestId);
      finish?.({ kind: "ack", ack });
      return finish !== undefined;
    },
    closeAll() {
      for (const finish of [...waiting.values()]) finish({ kind: "closed" });
    },
  };
}
