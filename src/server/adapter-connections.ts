/**
 * The connections adapters hold open themselves (WeCom's long connection), as /healthz and the
 * admin overview show them: by name, with `since` as an ISO time.
 */
import type { ChatAdapter } from "../core/chat-adapter.js";

/** Every adapter's own connections by name, each with `since` as an ISO time. */
export function adapterConnections(adapters: readonly ChatAdapter[]): Record<string, { state: string; since: string; detail?: string }> {
  const connections: Record<string, { state: string; since: string; detail?: string }> = {};
  for (const adapter of adapters) {
    for (const [name, status] of Object.entries(adapter.connections?.() ?? {})) {
      connections[name] = { state: status.state, since: new Date(status.since).toISOString(), ...(status.detail ? { detail: status.detail } : {}) };
    }
  }
  return connections;
}
