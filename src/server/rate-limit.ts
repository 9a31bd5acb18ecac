/**
 * A per-client limit on the public question routes (`/api/ask`, `/api/search`): each answer costs
 * an embedding and a search (and, in generative mode, a chat model call), so one client must not be
 * able to take the server for itself.
 *
 * The client is the TCP peer address. X-Forwarded-For is deliberately ignored: anyone can send it,
 * so trusting it would let every request pick its own bucket. Behind a reverse proxy every visitor
 * therefore shares the proxy's address and its budget.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { jsonError } from "./json-error.js";
import { noteForLog } from "./request-log.js";

export interface ApiRateLimitOptions {
  /** Requests per rolling minute per client address; 0 turns the limit off. */
  requestsPerMinute: number;
  /** Requests this says yes to are not counted: the admin's (their token was checked before, under its own throttle). */
  isExempt?: (context: Context) => boolean;
}

/** The socket's remote address; IPv4 clients on a dual-stack socket appear as `::ffff:a.b.c.d`. */
export function clientAddress(context: Context): string {
  try {
    const address = getConnInfo(context).remote.address;
    if (address) return address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
  } catch {
    // Not served by @hono/node-server (e.g. `app.request` in a script): there is no socket.
  }
  return "unknown";
}

export function apiRateLimit({ requestsPerMinute, isExempt }: ApiRateLimitOptions): MiddlewareHandler {
  if (requestsPerMinute === 0) return (_context, next) => next();
  // In memory, one process: keys expire a minute after their first request, so memory stays bounded.
  const limiter = new RateLimiterMemory({ points: requestsPerMinute, duration: 60 });

  return async (context, next) => {
    if (isExempt?.(context)) return next();
    try {
      await limiter.consume(clientAddress(context));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      context.header("Retry-After", String(retryAfterSeconds));
      noteForLog(context, { rateLimited: true });
      return jsonError(
        context,
        429,
        "RATE_LIMITED",
        `Too many requests from this address: the limit is ${requestsPerMinute} a minute.`,
        `Wait ${retryAfterSeconds} s (see the Retry-After header) and ask again; the limit is RATE_LIMIT_PER_MINUTE.`,
      );
    }
    return next();
  };
}
