/**
 * Starting the chat adapters, and starting them again until they do: a platform that cannot be
 * reached when the server starts (Telegram's getMe, setWebhook or the start of long polling) is
 * tried again after 1 s, 2 s, 4 s … up to the configured longest wait, for as long as the server
 * runs. Each adapter's state ("starting", "started", "retrying", "stopped") is what /healthz and the
 * admin overview show, and only a started adapter counts as started in the start-up log line.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ChatAdapter } from "../core/chat-adapter.js";
import { isKnowledgeBotError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

export type AdapterStartState = "starting" | "started" | "retrying" | "stopped";

export interface AdapterStartStatus {
  state: AdapterStartState;
  /** When that state began (epoch ms). */
  since: number;
  /** Tries that failed since the last success. */
  failedAttempts: number;
  /** Why the last try failed, in words an operator can act on (an error's code and hint, never its message, which may quote a URL holding a token). */
  detail?: string;
  /** When the next try starts (epoch ms), while retrying. */
  nextAttemptAt?: number;
}

export interface AdapterStartOptions {
  adapters: readonly ChatAdapter[];
  logger: Logger;
  /** The first wait after a failed try; it doubles up to `maxRetryMs`. */
  firstRetryMs?: number;
  maxRetryMs: number;
  /** How long `start()` waits for each adapter's first try before the server carries on without it. */
  firstTryWaitMs?: number;
}

export interface AdapterStarts {
  /** Starts every adapter; resolves once each first try settled or outlasted `firstTryWaitMs`. Failed ones go on trying in the background. */
  start(): Promise<void>;
  statuses(): Record<string, AdapterStartStatus>;
  /** Names of the adapters that have started. */
  started(): string[];
  /** Stops the tries, then stops every adapter. */
  stop(): Promise<{ name: string; error: unknown }[]>;
}

export const FIRST_RETRY_MS = 1_000;
const FIRST_TRY_WAIT_MS = 15_000;

/** The wait before try number `failed + 1`: 1 s, 2 s, 4 s … capped. */
export function retryDelayMs(failed: number, firstMs: number, maxMs: number): number {
  return Math.min(firstMs * 2 ** Math.max(0, failed - 1), maxMs);
}

/** A failure in words safe for /healthz: a KnowledgeBotError's code and hint; otherwise only that it failed. */
function describeFailure(error: unknown): string {
  if (isKnowledgeBotError(error)) return `${error.code}: ${error.hint}`;
  return "the start failed; the server log has the error";
}

export function createAdapterStarts({
  adapters,
  logger,
  firstRetryMs = FIRST_RETRY_MS,
  maxRetryMs,
  firstTryWaitMs = FIRST_TRY_WAIT_MS,
}: AdapterStartOptions): AdapterStarts {
  const stopping = new AbortController();
  const statuses = new Map<ChatAdapter, AdapterStartStatus>(adapters.map((adapter) => [adapter, { state: "starting", since: Date.now(), failedAttempts: 0 }]));
  const loops: Promise<void>[] = [];

  function set(adapter: ChatAdapter, status: Omit<AdapterStartStatus, "since">): void {
    const previous = statuses.get(adapter)!;
    statuses.set(adapter, { ...status, since: previous.state === status.state ? previous.since : Date.now() });
  }

  /** Tries until the adapter starts or the server stops; `firstTry` settles after the first try. */
  async function keepStarting(adapter: ChatAdapter, firstTry: () => void): Promise<void> {
    let failed = 0;
    while (!stopping.signal.aborted) {
      try {
        await adapter.start();
        // A start that finished after the server began stopping is stopped with the rest, not counted.
        if (stopping.signal.aborted) break;
        set(adapter, { state: "started", failedAttempts: 0 });
        logger.info({ adapter: adapter.name, ...(failed > 0 ? { afterFailedAttempts: failed } : {}) }, "adapter started");
        firstTry();
        return;
      } catch (error) {
        if (stopping.signal.aborted) break;
        failed += 1;
        const delayMs = retryDelayMs(failed, firstRetryMs, maxRetryMs);
        set(adapter, { state: "retrying", failedAttempts: failed, detail: describeFailure(error), nextAttemptAt: Date.now() + delayMs });
        // One platform failing to start must not take the web page and the other platforms down.
        logger.error(
          { err: error, adapter: adapter.name, failedAttempts: failed, retryInMs: delayMs },
          "adapter failed to start; trying again after the backoff, the rest keeps serving",
        );
        firstTry();
        await sleep(delayMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
  }

  return {
    async start() {
      const firstTries = adapters.map(
        (adapter) =>
          new Promise<void>((resolve) => {
            loops.push(keepStarting(adapter, resolve));
            // A try that hangs (a platform that never answers) does not hold the server's start up.
            setTimeout(resolve, firstTryWaitMs).unref();
          }),
      );
      await Promise.all(firstTries);
    },

    statuses() {
      return Object.fromEntries(adapters.map((adapter) => [adapter.name, statuses.get(adapter)!]));
    },

    started() {
      return adapters.filter((adapter) => statuses.get(adapter)!.state === "started").map((adapter) => adapter.name);
    },

    async stop() {
      stopping.abort();
      // A try in progress ends on its own (adapter.stop below ends a launch that is under way); it is not waited for.
      void Promise.allSettled(loops);
      const results = await Promise.allSettled(adapters.map((adapter) => adapter.stop()));
      for (const adapter of adapters) set(adapter, { state: "stopped", failedAttempts: 0 });
      return results.flatMap((result, position) => (result.status === "rejected" ? [{ name: adapters[position].name, error: result.reason }] : []));
    },
  };
}
