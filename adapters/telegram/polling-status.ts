/**
 * What long polling is doing, as /healthz and the admin overview show it ("telegram-polling").
 * telegraf keeps its poller to itself: it tries getUpdates again by itself after a network error
 * and says nothing, and `launch()` reports readiness before deleteWebhook, the call that can still
 * fail. So the adapter watches the Bot API calls themselves: deleteWebhook answering means the
 * poller starts next; a getUpdates that fails means Telegram cannot be reached right now, one that
 * answers means it can again. A long poll answers when an update arrives or after 50 seconds, so
 * "reconnecting" can outlast the outage by that much.
 */
import type { Telegraf } from "telegraf";
import type { AdapterConnectionStatus } from "../../src/core/chat-adapter.js";
import { describeConnectionError } from "./telegram-errors.js";

export type PollingStateName = "connecting" | "connected" | "reconnecting" | "failed" | "standby" | "stopped";

/** States in which no updates arrive here although this replica should be receiving them. */
const DEGRADED: ReadonlySet<PollingStateName> = new Set(["connecting", "reconnecting", "failed"]);

export interface PollingStatus {
  set(state: PollingStateName, error?: unknown): void;
  current(): AdapterConnectionStatus;
}

export function createPollingStatus(): PollingStatus {
  let status: AdapterConnectionStatus = { state: "connecting", since: Date.now(), degraded: true };
  return {
    set(state, error) {
      // The code and hint only: the message of a network error quotes the URL, which holds the token.
      const detail = error === undefined ? undefined : `${describeConnectionError(error).code}: ${describeConnectionError(error).hint}`;
      if (state === status.state && detail === status.detail) return;
      status = { state, since: state === status.state ? status.since : Date.now(), degraded: DEGRADED.has(state), ...(detail ? { detail } : {}) };
    },
    current: () => status,
  };
}

export interface ApiCallObserver {
  /** A Bot API call answered. */
  answered(method: string): void;
  /** A Bot API call failed (not when it was aborted on purpose). */
  failed(method: string, error: unknown): void;
}

/** Reports the outcome of every Bot API call the telegraf instance makes, its own poller's included. */
export function observeApiCalls(telegraf: Telegraf, observer: ApiCallObserver): void {
  const telegram = telegraf.telegram as unknown as { callApi: (method: string, ...rest: unknown[]) => Promise<unknown> };
  const callApi = telegram.callApi.bind(telegram);
  telegram.callApi = async (method, ...rest) => {
    try {
      const result = await callApi(method, ...rest);
      observer.answered(method);
      return result;
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name !== "AbortError") observer.failed(method, error);
      throw error;
    }
  };
}
