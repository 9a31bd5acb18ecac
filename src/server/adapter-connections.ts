/**
 * The chat adapters as /healthz and the admin overview show them: whether each has started (or is
 * being tried again after failing to reach its platform), and the connections adapters hold open
 * themselves (Telegram's long polling, WeCom's long connection), by name, with `since` as an ISO
 * time. Either one not working makes the whole service "degraded".
 */
import type { ChatAdapter } from "../core/chat-adapter.js";
import type { AdapterStartStatus } from "./adapter-starts.js";

export interface ShownConnection {
  state: string;
  since: string;
  detail?: string;
  degraded: boolean;
}

export interface ShownAdapter {
  state: AdapterStartStatus["state"];
  since: string;
  failedAttempts: number;
  detail?: string;
  nextAttemptAt?: string;
}

export interface AdapterHealth {
  /** True when an adapter has not started or one of their connections is not carrying messages. */
  degraded: boolean;
  adapters: Record<string, ShownAdapter>;
  connections: Record<string, ShownConnection>;
}

/** The adapters' start states (from the server) and their own connections, for /healthz and the overview. */
export function adapterHealth(adapters: readonly ChatAdapter[], starts: Record<string, AdapterStartStatus> = {}): AdapterHealth {
  const connections: Record<string, ShownConnection> = {};
  for (const adapter of adapters) {
    for (const [name, status] of Object.entries(adapter.connections?.() ?? {})) {
      connections[name] = {
        state: status.state,
        since: new Date(status.since).toISOString(),
        ...(status.detail ? { detail: status.detail } : {}),
        degraded: status.degraded === true,
      };
    }
  }
  const shown: Record<string, ShownAdapter> = {};
  for (const [name, status] of Object.entries(starts)) {
    shown[name] = {
      state: status.state,
      since: new Date(status.since).toISOString(),
      failedAttempts: status.failedAttempts,
      ...(status.detail ? { detail: status.detail } : {}),
      ...(status.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(status.nextAttemptAt).toISOString() } : {}),
    };
  }
  const degraded =
    Object.values(shown).some((status) => status.state === "starting" || status.state === "retrying") ||
    Object.values(connections).some((connection) => connection.degraded);
  return { degraded, adapters: shown, connections };
}
