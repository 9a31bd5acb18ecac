/**
 * The contract between the entry point and a chat platform. A new platform is one folder under
 * adapters/ plus one registration line in src/main.ts. What an adapter is created with (bot,
 * responder, store, its settings) is `ChatAdapterContext` in src/conversation/chat-adapter-context.ts.
 */
import type { Hono } from "hono";

/** A connection an adapter holds open itself (not a webhook), as /healthz and the admin overview show it. */
export interface AdapterConnectionStatus {
  /** What it is doing, e.g. "connected", "reconnecting", "standby", "replaced", "refused", "stopped". */
  state: string;
  /** When that state began (epoch ms). */
  since: number;
  /** Words an operator can act on; never a secret. */
  detail?: string;
  /**
   * True while the connection cannot carry the messages this replica should carry (dialling,
   * dropped and trying again, refused): /healthz then says "degraded". Standing by while another
   * replica holds it is not degraded.
   */
  degraded?: boolean;
}

export interface ChatAdapter {
  /** Short name used in logs, e.g. "telegram". */
  readonly name: string;
  /** Adds the adapter's webhook routes to the shared HTTP app; called before the server listens. */
  mount?(app: Hono): void;
  /**
   * Starts background work (long polling, token refresh); resolves once the adapter is ready, and
   * rejects when the platform cannot be reached. The server then calls it again after a backoff,
   * so a failed try must leave nothing running that a second call would duplicate.
   */
  start(): Promise<void>;
  /** Stops background work and waits for in-flight replies to finish. */
  stop(): Promise<void>;
  /** The connections the adapter holds open itself, by name (e.g. "wecom-long-connection"). */
  connections?(): Record<string, AdapterConnectionStatus>;
}
