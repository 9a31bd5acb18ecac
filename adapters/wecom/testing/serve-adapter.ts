/**
 * Serves one chat adapter's routes on 127.0.0.1 (an ephemeral port), the way the bot's server
 * mounts them, for tests and the load benchmark.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatAdapter } from "../../../src/core/chat-adapter.js";

export interface ServedAdapter {
  baseUrl: string;
  /** Stops the adapter, then the server. */
  close(): Promise<void>;
}

export async function serveAdapterOnLoopback(adapter: ChatAdapter): Promise<ServedAdapter> {
  const app = new Hono();
  adapter.mount?.(app);
  await adapter.start();
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await adapter.stop();
      // fetch keeps connections alive; close them so close() does not wait for their idle timeout.
      (server as Server).closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
