/**
 * The HTTP server: pages, API and the adapters' webhook routes on one Hono app, with request
 * logging, a per-client rate limit on the question routes, a body limit, JSON errors, a watcher
 * for re-indexes done elsewhere (announced through the state store, or seen in CURRENT), and a
 * graceful close that lets in-flight requests finish.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { AppConfig } from "../config.js";
import { isKnowledgeBotError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Responder } from "../conversation/incoming.js";
import type { StateStore } from "../state/state-store.js";
import { mountAdminApiRoutes } from "./admin-api-routes.js";
import { mountAdminConsole } from "./admin/mount-admin-console.js";
import { mountApiRoutes } from "./api-routes.js";
import { mountFeedbackRoutes } from "./feedback-routes.js";
import { startStateUpkeep, type StateUpkeep } from "./state-upkeep.js";
import type { ChatAdapter } from "../core/chat-adapter.js";
import { adapterHealth, type AdapterHealth } from "./adapter-connections.js";
import { createAdapterStarts } from "./adapter-starts.js";
import { announceIndexVersions, watchIndex, type IndexWatcher } from "./index-watcher.js";
import { jsonError } from "./json-error.js";
import { listenError } from "./listen-error.js";
import { mountPageRoutes } from "./page-routes.js";
import { apiRateLimit } from "./rate-limit.js";
import { requestLog } from "./request-log.js";
import type { ServedBot } from "./served-bot.js";

export interface ServerOptions {
  bot: ServedBot;
  config: AppConfig;
  logger: Logger;
  adapters?: ChatAdapter[];
  /** The responder the chat platforms share; /api/ask uses it too (built from config when absent). */
  responder?: Responder;
  /** The state store (question log, feedback, sessions); the caller opens and closes it. */
  store?: StateStore;
  /** How often CURRENT is checked for a re-index by another process; 0 turns the poll off (a store's announcements still switch). */
  indexPollMs?: number;
  /** How long a close waits for in-flight requests before cutting connections (default: config.shutdownTimeoutMs). */
  shutdownTimeoutMs?: number;
  /** The first wait before an adapter that failed to start is tried again (doubling up to config.adapterRetryMaxMs). */
  adapterFirstRetryMs?: number;
}

export interface BotServer {
  readonly app: Hono;
  /** Listens (defaults: config.host and config.port), then starts the adapters. */
  start(listen?: { host?: string; port?: number }): Promise<{ url: string; port: number }>;
  /** Stops accepting requests, stops the adapters, waits for in-flight requests, closes. Safe to call twice. */
  close(): Promise<void>;
  /** The chat adapters that have started; one that failed to is being tried again in the background. */
  startedAdapters(): string[];
  /** The adapters' start states and connections, as /healthz shows them. */
  adapterHealth(): AdapterHealth;
}

export function createServer({
  bot,
  config,
  logger,
  adapters = [],
  responder,
  store,
  indexPollMs = 2000,
  shutdownTimeoutMs = config.shutdownTimeoutMs,
  adapterFirstRetryMs,
}: ServerOptions): BotServer {
  const app = new Hono();
  const adapterStarts = createAdapterStarts({ adapters, logger, firstRetryMs: adapterFirstRetryMs, maxRetryMs: config.adapterRetryMaxMs });
  const health = () => adapterHealth(adapters, adapterStarts.statuses());
  let inFlight = 0;

  app.use("*", requestLog(logger));
  app.use("*", async (_context, next) => {
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  });
  // Before the body limit, so a client over its budget is refused before its body is read.
  const rateLimit = apiRateLimit({ requestsPerMinute: config.rateLimitPerMinute, adminToken: config.adminToken });
  app.use("/api/ask", rateLimit);
  app.use("/api/search", rateLimit);
  app.use("/api/feedback", rateLimit);
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: (context) => {
        // The rest of the body is never read, so the connection cannot carry another request:
        // say so, or a client that reuses it gets "other side closed" on its next request.
        context.header("Connection", "close");
        return jsonError(
          context,
          413,
          "BODY_TOO_LARGE",
          `The request body is larger than ${config.maxBodyBytes} bytes.`,
          "Send a shorter question; the limit is MAX_BODY_BYTES.",
        );
      },
    }),
  );
  mountAdminConsole(app, bot, config, { store, logger, adapterHealth: health });
  mountPageRoutes(app, bot, config, store, health);
  mountApiRoutes(app, bot, config, { responder, logger, store });
  mountFeedbackRoutes(app, store);
  mountAdminApiRoutes(app, bot, config, { store });
  for (const adapter of adapters) adapter.mount?.(app);

  app.notFound((context) => {
    if (context.req.path.startsWith("/api/")) {
      return jsonError(
        context,
        404,
        "NOT_FOUND",
        `No route ${context.req.method} ${context.req.path}.`,
        "See docs/http-api.md for the API routes (POST /api/reindex exists only when ADMIN_TOKEN is set).",
      );
    }
    return context.text("Not found", 404);
  });
  app.onError((error, context) => {
    if (error instanceof HTTPException) return error.getResponse();
    logger.error({ err: error, path: context.req.path }, "request handler failed");
    // The state store being unreachable is temporary (a replica reconnects on its own): 503, so
    // clients and proxies retry instead of treating it as a bug.
    if (isKnowledgeBotError(error) && error.code === "STATE_STORE_UNAVAILABLE") {
      context.header("Retry-After", "5");
      return jsonError(context, 503, error.code, error.message, error.hint);
    }
    if (isKnowledgeBotError(error)) return jsonError(context, 500, error.code, error.message, error.hint);
    return jsonError(context, 500, "INTERNAL", "Something went wrong while handling the request.", "Try again; if it keeps failing, check the server log.");
  });

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // A client that trickles its body or headers is cut off instead of holding a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  let watcher: IndexWatcher | undefined;
  let stopAnnouncing: (() => void) | undefined;
  let upkeep: StateUpkeep | undefined;
  let closing: Promise<void> | undefined;

  async function start(listen: { host?: string; port?: number } = {}) {
    const host = listen.host ?? config.host;
    const requestedPort = listen.port ?? config.port;
    await new Promise<void>((resolve, reject) => {
      const refuse = (error: NodeJS.ErrnoException) => reject(listenError(error, host, requestedPort));
      server.once("error", refuse);
      server.listen(requestedPort, host, () => {
        server.off("error", refuse);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    if (indexPollMs > 0 || store) watcher = watchIndex(bot, config.indexDir, logger, { intervalMs: indexPollMs, store });
    if (store) stopAnnouncing = announceIndexVersions(bot, store, logger);
    if (store) upkeep = startStateUpkeep(store, config, logger);
    await adapterStarts.start();
    const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
    return { url: `http://${shownHost}:${port}`, port };
  }

  async function shutDown(): Promise<void> {
    watcher?.stop();
    stopAnnouncing?.();
    upkeep?.stop();
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const failure of await adapterStarts.stop()) logger.warn({ err: failure.error, adapter: failure.name }, "adapter did not stop cleanly");
    const deadline = Date.now() + shutdownTimeoutMs;
    let finished = false;
    void closed.then(() => (finished = true));
    // Keep-alive connections become idle only after their response is written; close them as they do.
    while (!finished) {
      if (Date.now() > deadline) {
        logger.warn({ inFlight }, "shutdown timeout; closing remaining connections");
        server.closeAllConnections();
        break;
      }
      server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await closed;
  }

  return {
    app,
    start,
    close() {
      closing ??= shutDown();
      return closing;
    },
    startedAdapters: () => adapterStarts.started(),
    adapterHealth: health,
  };
}
