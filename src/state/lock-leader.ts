/**
 * One background job (a chat platform's long polling or long-lived connection) on one replica at a time.
 * The replicas sharing a state store take turns through one of its named locks (an advisory lock
 * on PostgreSQL, released if the replica dies): the holder runs the job, the others try again every
 * few seconds and take over once it is free. A run that ends by itself (an error) gives the lock up.
 *
 * The lock lives on the database, so an outage takes it from the holder, and no replica can take
 * it until the database is back. Stopping then would leave the bot silent for the whole outage,
 * though answering needs only the index. So a holder that loses the lock keeps running and tries
 * the lock again every second; what tryLock does tells the two reasons for the loss apart:
 *  - it throws and the store says it is degraded: the database cannot be reached, so nobody can
 *    hold the lock; the job goes on and the next try comes a second later;
 *  - it returns the lock: the store is back and the lock was free; the job goes on holding it;
 *  - it returns nothing: another replica holds the lock (its session took it while this one's was
 *    gone), and the platform would see the job twice: it stops here;
 *  - it throws with the store reachable: the store refused the lock; the job stops, as before.
 * The others keep their slower retry pace (five seconds by default), so once the database answers
 * the old holder normally takes the lock back first; when another does, the old holder stops at
 * its next try and two run for a second at most.
 *
 * A lock whose session stays open on the server after a network cut looks held by another once the
 * network is back: the replica stops and waits like the others until the server drops that session.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../core/logger.js";
import type { HeldLock, StateStore } from "./state-store.js";

/** How often a replica running the job without the lock (its store unreachable) tries to take it again. */
export const OUTAGE_LOCK_RETRY_MS = 1_000;

/** One run of the job, as the adapter starts it. */
export interface LeaderRun {
  /** Settles once the job has started, or rejects when it could not start. */
  launched: Promise<void>;
  /** Settles when the job has ended, whatever ended it. */
  ended: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The log lines of one job, in its own words (operators and tests read them); each names the job,
 * since several may run in one process.
 */
export interface LeaderWording {
  /** The lock was taken and the job runs here. */
  taken: string;
  /** The job started without the lock because the store cannot be reached. */
  startedWithoutLock: string;
  /** The lock was lost while the job runs; it goes on and the lock is tried again. */
  lost: string;
  /** The store is still unreachable while the job runs without the lock. */
  stillUnreachable: string;
  /** Another replica took the lock; the job stopped here. */
  heldElsewhere: string;
  /** The store refused the lock; the job stopped here. */
  refused: string;
  /** Another replica runs the job; this one waits. */
  waiting: string;
  /** The lock could not be asked for; trying again. */
  unavailable: string;
}

export interface LockLeaderOptions {
  /** The state store lock every replica of this job takes. */
  lockName: string;
  wording: LeaderWording;
  locks: Pick<StateStore, "tryLock" | "health">;
  retryMs: number;
  /** Pace of the tries while running without the lock (OUTAGE_LOCK_RETRY_MS unless a test says otherwise). */
  outageRetryMs?: number;
  logger: Logger;
  start(): LeaderRun;
}

export interface LockLeader {
  /** Settles after the first turn: the job started here, or another replica runs it and this one waits. Rejects when it could not start. */
  readonly ready: Promise<void>;
  /** True while this replica polls. */
  readonly running: boolean;
  /** True while the job runs here holding the lock (false while it runs through an outage without it). */
  readonly holdsLock: boolean;
  /**
   * Tells the leader another replica runs the job (the platform said so): from now on, while the
   * store cannot be reached, it waits for the lock instead of running the job without it.
   */
  noteHeldElsewhere(): void;
  /** Stops the job (if it runs here), gives the lock up and stops waiting for it. */
  stop(): Promise<void>;
}

/** What one try for the lock found. */
type Attempt =
  { outcome: "taken"; held: HeldLock } | { outcome: "held-elsewhere" } | { outcome: "unreachable"; error: unknown } | { outcome: "refused"; error: unknown };

export function leadWithLock({ lockName, wording, locks, retryMs, outageRetryMs = OUTAGE_LOCK_RETRY_MS, logger, start }: LockLeaderOptions): LockLeader {
  const stopping = new AbortController();
  let running = false;
  let heldNow: HeldLock | undefined;
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
      const held = await locks.tryLock(lockName);
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
   * Runs the job, holding the lock when `initial` is one, or without it when the store is unreachable;
   * keeps it running through a lost lock while the store is unreachable (see the top of this file).
   * Returns once the job could not start, ended by itself, met the lock held elsewhere or the leader stops.
   */
  async function run(initial: HeldLock | undefined): Promise<void> {
    let held = initial;
    heldNow = held;
    const job = start();
    // A signal rather than more reactions on run.ended: a long outage waits here once a second.
    const runEnded = new AbortController();
    void job.ended.then(() => runEnded.abort());
    try {
      await job.launched;
    } catch (error) {
      await held?.release().catch(() => undefined);
      if (settleFirst) settleFirst(error);
      return;
    }
    running = true;
    settleFirst?.();
    if (held) logger.info(wording.taken);
    else logger.warn(wording.startedWithoutLock);

    let outageLogged = !held;
    while (!stopping.signal.aborted) {
      if (held) {
        await nextEvent(runEnded.signal, held);
        if (runEnded.signal.aborted || stopping.signal.aborted) break;
        logger.warn({ reason: String(held.lost.reason), retryMs: outageRetryMs }, wording.lost);
        held = undefined;
        heldNow = undefined;
        outageLogged = false;
        continue;
      }
      await nextEvent(runEnded.signal, undefined, outageRetryMs);
      if (runEnded.signal.aborted || stopping.signal.aborted) break;
      const attempt = await attemptLock();
      if (attempt.outcome === "taken") {
        held = attempt.held;
        heldNow = held;
        if (stopping.signal.aborted) break;
        logger.info(wording.taken);
      } else if (attempt.outcome === "unreachable") {
        if (!outageLogged) logger.warn({ err: attempt.error }, wording.stillUnreachable);
        outageLogged = true;
      } else {
        if (attempt.outcome === "held-elsewhere") logger.warn(wording.heldElsewhere);
        else logger.warn({ err: attempt.error }, wording.refused);
        break;
      }
    }
    running = false;
    heldNow = undefined;
    await job.stop();
    await job.ended;
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
        await run(attempt.held);
        if (stopping.signal.aborted) break;
      } else if (attempt.outcome === "unreachable" && !seenHeldElsewhere) {
        // The store is unreachable and no other replica has been seen holding the lock: most likely
        // this replica started while the database was down, and one replica is the common
        // deployment, so running anyway keeps the bot answering. Two replicas starting at once
        // during an outage would both run the job; once the database answers, the first to reach
        // the lock keeps running and the other stops at its next try.
        waitingLogged = false;
        await run(undefined);
        if (stopping.signal.aborted) break;
      } else if (attempt.outcome === "held-elsewhere") {
        if (!waitingLogged) logger.info({ retryMs }, wording.waiting);
        waitingLogged = true;
      } else {
        logger.warn({ err: attempt.error, outcome: attempt.outcome }, wording.unavailable);
      }
      settleFirst?.();
      await sleep(retryMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
    settleFirst?.();
  }

  const looping = loop();
  return {
    ready,
    get running() {
      return running;
    },
    get holdsLock() {
      return heldNow !== undefined && !heldNow.lost.aborted;
    },
    noteHeldElsewhere() {
      seenHeldElsewhere = true;
    },
    async stop() {
      stopping.abort();
      await looping;
    },
  };
}
