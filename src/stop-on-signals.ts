/**
 * How the server process stops on SIGTERM or SIGINT: gracefully (a running re-index is stopped,
 * in-flight requests finish, the adapters and their connections and the state store close), then
 * exit code 0. A stop that outlasts its deadline exits with code 1, and so does a second signal, at
 * once. The same signal again within a second is not a second request: a terminal's Ctrl+C reaches
 * every process of the foreground group and npm passes its own copy on, so one key press arrives
 * twice; likewise a process manager that signals the whole group.
 */
import type { Logger } from "./core/logger.js";

/** A repeat of the first signal within this long is the same request delivered twice. */
export const REPEATED_DELIVERY_MS = 1_000;

export interface StopOnSignalsOptions {
  stop(): Promise<void>;
  logger: Logger;
  /** Longest graceful stop; past it the process exits with code 1 whatever is still open. */
  deadlineMs: number;
}

export function stopOnSignals({ stop, logger, deadlineMs }: StopOnSignalsOptions): void {
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const exit = (code: number) => logger.flush(() => process.exit(code));

  const onSignal = (signal: NodeJS.Signals) => {
    if (first) {
      if (signal === first.signal && performance.now() - first.at < REPEATED_DELIVERY_MS) {
        logger.debug({ signal }, "same signal delivered again; already stopping");
        return;
      }
      logger.warn({ signal }, "second signal; exiting now");
      exit(1);
      return;
    }
    first = { signal, at: performance.now() };
    logger.info({ signal, deadlineMs }, "shutting down: stopping any re-index, finishing in-flight requests");
    // unref: the deadline must not be what keeps an otherwise finished process alive.
    setTimeout(() => {
      logger.error({ deadlineMs }, "shutdown did not finish in time; exiting with what is still open");
      exit(1);
    }, deadlineMs).unref();
    stop().then(
      () => {
        logger.info("stopped");
        exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        exit(1);
      },
    );
  };
  // `on`, not `once`: with no listener left, a second signal would kill the process before it logs.
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
