/**
 * The long connection's timers stepped by hand: a test fires the heartbeat or the next backoff
 * itself and reads which delays the connection asked for, so nothing depends on the wall clock.
 */
import type { ConnectionTimers } from "../long-connection/timers.js";

export interface ManualTimers extends ConnectionTimers {
  /** Every one-shot delay asked for so far, in order (backoffs and ack waits alike). */
  readonly requestedDelays: number[];
  /** One-shot timers still pending with this delay. */
  pending(ms: number): number;
  /** Fires the pending one-shot timers of this delay; returns how many fired. */
  fireAfter(ms: number): number;
  /** Fires each live repeating timer of this period once; returns how many fired. */
  fireEvery(ms: number): number;
}

export function createManualTimers(start = 1_765_000_000_000): ManualTimers {
  const oneShots = new Set<{ ms: number; callback: () => void }>();
  const repeating = new Set<{ ms: number; callback: () => void }>();
  const requestedDelays: number[] = [];
  let clock = start;
  return {
    requestedDelays,
    every(ms, callback) {
      const entry = { ms, callback };
      repeating.add(entry);
      return () => repeating.delete(entry);
    },
    after(ms, callback) {
      const entry = { ms, callback };
      requestedDelays.push(ms);
      oneShots.add(entry);
      return () => oneShots.delete(entry);
    },
    now: () => clock,
    pending: (ms) => [...oneShots].filter((entry) => entry.ms === ms).length,
    fireAfter(ms) {
      const due = [...oneShots].filter((entry) => entry.ms === ms);
      clock += ms;
      for (const entry of due) {
        oneShots.delete(entry);
        entry.callback();
      }
      return due.length;
    },
    fireEvery(ms) {
      const due = [...repeating].filter((entry) => entry.ms === ms);
      clock += ms;
      for (const entry of due) entry.callback();
      return due.length;
    },
  };
}
