/**
 * Long polling on one replica at a time. Telegram hands each update to one getUpdates caller and
 * answers a second poller with 409 Conflict, so the replicas sharing a state store take turns
 * through its "telegram-polling" lock (src/state/lock-leader.ts): the holder polls, the others try
 * again every few seconds and take over once it is free. Through a database outage the holder
 * keeps polling without the lock, as described there.
 */
import type { Logger } from "../../src/core/logger.js";
import { leadWithLock, type LeaderRun } from "../../src/state/lock-leader.js";
import type { StateStore } from "../../src/state/state-store.js";

export { OUTAGE_LOCK_RETRY_MS } from "../../src/state/lock-leader.js";
export const POLLING_LOCK_NAME = "telegram-polling";

/** One run of long polling, as the adapter starts it. */
export type PollingRun = LeaderRun;

export interface PollingLeaderOptions {
  locks: Pick<StateStore, "tryLock" | "health">;
  retryMs: number;
  /** Pace of the tries while polling without the lock (OUTAGE_LOCK_RETRY_MS unless a test says otherwise). */
  outageRetryMs?: number;
  logger: Logger;
  startPolling(): PollingRun;
}

export interface PollingLeader {
  /** Settles after the first turn: polling started here, or another replica polls and this one waits. Rejects when polling could not start. */
  readonly ready: Promise<void>;
  /** True while this replica polls. */
  readonly polling: boolean;
  /** Stops polling (if it runs here), gives the lock up and stops waiting for it. */
  stop(): Promise<void>;
}

const POLLING_WORDING = {
  taken: "telegram polling lock taken; long polling runs on this replica",
  startedWithoutLock: "state store unreachable; telegram long polling runs on this replica without the lock until the store answers",
  lost: "telegram polling lock lost; polling goes on here while the lock is tried again",
  stillUnreachable: "state store unreachable; telegram long polling goes on here without the lock",
  heldElsewhere: "another replica holds the telegram polling lock; polling stopped here",
  refused: "telegram polling lock refused by the state store; polling stopped here",
  waiting: "another replica runs telegram long polling; waiting to take over",
  unavailable: "telegram polling lock unavailable (state store unreachable or refusing); trying again",
};

export function leadPolling({ locks, retryMs, outageRetryMs, logger, startPolling }: PollingLeaderOptions): PollingLeader {
  const leader = leadWithLock({ lockName: POLLING_LOCK_NAME, wording: POLLING_WORDING, locks, retryMs, outageRetryMs, logger, start: startPolling });
  return {
    ready: leader.ready,
    get polling() {
      return leader.running;
    },
    stop: () => leader.stop(),
  };
}
