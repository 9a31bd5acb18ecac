/**
 * The long connection's clocks — the 30 s heartbeat, the reconnect backoff and the 5 s ack wait —
 * behind one small interface, so tests step them by hand instead of waiting (and never assert on
 * the wall clock). Production uses Node's timers, unref'd so they never hold the process open.
 */
export interface ConnectionTimers {
  /** Calls `callback` every `ms` until the returned cancel is called. */
  every(ms: number, callback: () => void): () => void;
  /** Calls `callback` once after `ms` unless the returned cancel is called first. */
  after(ms: number, callback: () => void): () => void;
  /** Epoch milliseconds, for the "since" of a state. */
  now(): number;
}

export const nodeTimers: ConnectionTimers = {
  every(ms, callback) {
    const timer = setInterval(callback, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
  now: () => Date.now(),
};
