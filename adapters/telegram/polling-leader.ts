/**
 * Long polling on one replica at a time. Telegram hands each update to one getUpdates caller and
 * answers a second poller with 409 Conflict, so the replicas sharing a state store take turns
 * through its "telegram-polling" lock (an advisory lock on PostgreSQL, released if the replica
 * dies): the holder polls, the others try again every few seconds and take over once it is free.
 * A lock lost while polling (the holder's database connection dropped) stops polling at once and
 * the replica goes back to waiting; polling that ends by itself (an error) gives the lock up too.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../src/core/logger.js";
import type { HeldLock, StateStore } from "../../src/state/state-store.js";

export const POLLING_LOCK_NAME = "telegram-polling";

/** One run of long polling, as the adapter starts it. */
export interface PollingRun {
  /** Settles once polling has started, or rejects when it could not start. */
  launched: Promise<void>;
  /** Settles when polling has ended, whatever ended it. */
  ended: Promise<void>;
  stop(): Promise<void>;
}

export interface PollingLeaderOptions {
  locks: Pick<StateStore, "tryLock">;
  retryMs: number;
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

export function leadPolling({ locks, retryMs, logger, startPolling }: PollingLeaderOptions): PollingLeader {
  const stopping = new AbortController();
  let polling = false;
  let settleFirst: ((error?: unknown) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settleFirst = (error) => {
      settleFirst = undefined;
      if (error === undefined) resolve();
      else reject(error);
    };
  });

  async function tryLock(): Promise<HeldLock | undefined> {
    try {
      return await locks.tryLock(POLLING_LOCK_NAME);
    } catch (error) {
      logger.warn({ err: error }, "telegram polling lock unavailable (state store unreachable); trying again");
      return undefined;
    }
  }

  /** Polls while the lock is held; gives the lock up when polling cannot start, ends or the lock is lost. */
  async function pollHolding(held: HeldLock): Promise<void> {
    const run = startPolling();
    try {
      await run.launched;
    } catch (error) {
      await held.release().catch(() => undefined);
      if (settleFirst) settleFirst(error);
      return;
    }
    polling = true;
    settleFirst?.();
    logger.info("telegram polling lock taken; long polling runs on this replica");
    const lost = new Promise<void>((resolve) => {
      if (held.lost.aborted) resolve();
      held.lost.addEventListener("abort", () => resolve(), { once: true });
      stopping.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await Promise.race([run.ended, lost]);
    polling = false;
    if (held.lost.aborted) logger.warn({ reason: String(held.lost.reason) }, "telegram polling lock lost; polling stopped here until the lock is taken again");
    await run.stop();
    await run.ended;
    if (!held.lost.aborted) await held.release().catch(() => undefined);
  }

  async function loop(): Promise<void> {
    let waitingLogged = false;
    while (!stopping.signal.aborted) {
      const held = await tryLock();
      if (held && stopping.signal.aborted) {
        await held.release().catch(() => undefined);
        break;
      }
      if (held) {
        waitingLogged = false;
        await pollHolding(held);
        if (stopping.signal.aborted) break;
      } else if (!waitingLogged) {
        logger.info({ retryMs }, "another replica runs telegram long polling; waiting to take over");
        waitingLogged = true;
      }
      settleFirst?.();
      await sleep(retryMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
    settleFirst?.();
  }

  const looping = loop();
  return {
    ready,
    get polling() {
      return polling;
    },
    async stop() {
      stopping.abort();
      await looping;
    },
  };
}
