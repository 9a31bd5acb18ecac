/**
 * Long polling on one replica at a time. Telegram hands each update to one getUpdates caller and
 * answers a second poller with 409 Conflict, so the replicas sharing a state store take turns
 * through its "telegram-polling" lock (an advisory lock on PostgreSQL, released if the replica
 * dies): the holder polls, the others try again every few seconds and take over once it is free.
 * Polling that ends by itself (an error) gives the lock up.
 *
 * The lock lives on the database, so an outage takes it from the holder, and no replica can take
 * it until the database is back. Stopping then would leave the bot silent for the whole outage,
 * though answering needs only the index. So a holder that loses the lock keeps polling and tries
 * the lock again every second; what tryLock does tells the two reasons for the loss apart:
 *  - it throws and the store says it is degraded: the database cannot be reached, so nobody can
 *    hold the lock; polling goes on and the next try comes a second later;
 *  - it returns the lock: the store is back and the lock was free; polling goes on holding it;
 *  - it returns nothing: another replica holds the lock (its session took it while this one's was
 *    gone), and Telegram would answer one of two pollers with 409: polling stops here;
 *  - it throws with the store reachable: the store refused the lock; polling stops, as before.
 * The others keep their TELEGRAM_POLLING_RETRY_SECONDS (5 s), five times the holder's pace, so once
 * the database answers the old holder normally takes the lock back first; when another does, the
 * old holder stops at its next try and two poll for a second at most.
 *
 * A lock whose session stays open on the server after a network cut looks held by another once the
 * network is back: the replica stops and waits like the others until the server drops that session.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../src/core/logger.js";
import type { HeldLock, StateStore } from "../../src/state/state-store.js";

export const POLLING_LOCK_NAME = "telegram-polling";
/** How often a replica polling without the lock (its store unreachable) tries to take it again. */
export const OUTAGE_LOCK_RETRY_MS = 1_000;

/** One run of long polling, as the adapter starts it. */
export interface PollingRun {
  /** Settles once polling has started, or rejects when it could not start. */
  launched: Promise<void>;
  /** Settles when polling has ended, whatever ended it. */
  ended: Promise<void>;
  stop(): Promise<void>;
}

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

/** What one try for the lock found. */
type Attempt =
  { outcome: "taken"; held: HeldLock } | { outcome: "held-elsewhere" } | { outcome: "unreachable"; error: unknown } | { outcome: "refused"; error: unknown };

export function leadPolling({ locks, retryMs, outageRetryMs = OUTAGE_LOCK_RETRY_MS, logger, startPolling }: PollingLeaderOptions): PollingLeader {
  const stopping = new AbortController();
  let polling = false;
  // Only a replica that has seen another hold the lock knows another may poll; see loop().
  let seenHeldElsewhere = false;
  let settleFirst: ((error?: unknown) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settleFirst = (error) => {
      settleFirst = undefined;
      if (error === undefined) resolve();
      else reject(error);
    };
  });

  async function attemptLock(): Promise<Attempt> {
    try {
      const held = await locks.tryLock(POLLING_LOCK_NAME);
      if (held) return { outcome: "taken", held };
      seenHeldElsewhere = true;
      return { outcome: "held-elsewhere" };
    } catch (error) {
      // The store marks itself degraded when the failure was a connection's, before tryLock rethrows.
      return locks.health().state === "degraded" ? { outcome: "unreachable", error } : { outcome: "refused", error };
    }
  }

  /** Settles when the run ends, the lock is lost (if one is held), `ms` pass (if given) or the leader stops. */
  function nextEvent(runEnded: AbortSignal, held: HeldLock | undefined, ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const signals = [runEnded, stopping.signal, ...(held ? [held.lost] : [])];
      const done = () => {
        clearTimeout(timer);
        for (const signal of signals) signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      if (signals.some((signal) => signal.aborted)) return done();
      for (const signal of signals) signal.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * Polls, holding the lock when `initial` is one, or without it when the store is unreachable;
   * keeps polling through a lost lock while the store is unreachable (see the top of this file).
   * Returns once polling could not start, ended by itself, met the lock held elsewhere or the leader stops.
   */
  async function poll(initial: HeldLock | undefined): Promise<void> {
    let held = initial;
    const run = startPolling();
    // A signal rather than more reactions on run.ended: a long outage waits here once a second.
    const runEnded = new AbortController();
    void run.ended.then(() => runEnded.abort());
    try {
      await run.launched;
    } catch (error) {
      await held?.release().catch(() => undefined);
      if (settleFirst) settleFirst(error);
      return;
    }
    polling = true;
    settleFirst?.();
    if (held) logger.info("telegram polling lock taken; long polling runs on this replica");
    else logger.warn("state store unreachable; telegram long polling runs on this replica without the lock until the store answers");

    let outageLogged = !held;
    while (!stopping.signal.aborted) {
      if (held) {
        await nextEvent(runEnded.signal, held);
        if (runEnded.signal.aborted || stopping.signal.aborted) break;
        logger.warn(
          { reason: String(held.lost.reason), retryMs: outageRetryMs },
          "telegram polling lock lost; polling goes on here while the lock is tried again",
        );
        held = undefined;
        outageLogged = false;
        continue;
      }
      await nextEvent(runEnded.signal, undefined, outageRetryMs);
      if (runEnded.signal.aborted || stopping.signal.aborted) break;
      const attempt = await attemptLock();
      if (attempt.outcome === "taken") {
        held = attempt.held;
        if (stopping.signal.aborted) break;
        logger.info("telegram polling lock taken; long polling runs on this replica");
      } else if (attempt.outcome === "unreachable") {
        if (!outageLogged) logger.warn({ err: attempt.error }, "state store unreachable; telegram long polling goes on here without the lock");
        outageLogged = true;
      } else {
        if (attempt.outcome === "held-elsewhere") logger.warn("another replica holds the telegram polling lock; polling stopped here");
        else logger.warn({ err: attempt.error }, "telegram polling lock refused by the state store; polling stopped here");
        break;
      }
    }
    polling = false;
    await run.stop();
    await run.ended;
    if (held && !held.lost.aborted) await held.release().catch(() => undefined);
  }

  async function loop(): Promise<void> {
    let waitingLogged = false;
    while (!stopping.signal.aborted) {
      const attempt = await attemptLock();
      if (attempt.outcome === "taken" && stopping.signal.aborted) {
        await attempt.held.release().catch(() => undefined);
        break;
      }
      if (attempt.outcome === "taken") {
        waitingLogged = false;
        await poll(attempt.held);
        if (stopping.signal.aborted) break;
      } else if (attempt.outcome === "unreachable" && !seenHeldElsewhere) {
        // The store is unreachable and no other replica has been seen holding the lock: most likely
        // this replica started while the database was down, and one replica is the common
        // deployment, so polling anyway keeps the bot answering. Two replicas starting at once
        // during an outage would both poll and meet 409 Conflict; once the database answers, the
        // first to reach the lock keeps polling and the other stops at its next try.
        waitingLogged = false;
        await poll(undefined);
        if (stopping.signal.aborted) break;
      } else if (attempt.outcome === "held-elsewhere") {
        if (!waitingLogged) logger.info({ retryMs }, "another replica runs telegram long polling; waiting to take over");
        waitingLogged = true;
      } else {
        logger.warn({ err: attempt.error, outcome: attempt.outcome }, "telegram polling lock unavailable (state store unreachable or refusing); trying again");
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
