/**
 * The admin token on the API. A request presenting `Authorization: Bearer …` on any /api route has
 * it checked here, once, under the same throttle as the console's login form
 * (admin/login-throttle.ts): past the budget the answer is 429 whether the token is right or not; a
 * wrong token is counted and the request goes on as anyone's (admin-only routes then refuse it); the
 * right one marks the request as the admin's. Every later check (the admin routes, /api/reindex,
 * admin commands through /api/ask, the rate limit's exemption, error details) reads that mark, so
 * no other code compares the token and becomes a way around the throttle.
 */
import type { Context, MiddlewareHandler } from "hono";
import { hasAdminToken } from "./admin-token.js";
import type { LoginThrottle } from "./admin/login-throttle.js";
import { jsonError } from "./json-error.js";
import { clientAddress } from "./rate-limit.js";
import { noteForLog } from "./request-log.js";

const BEARER = /^Bearer\s+\S/i;
const adminContexts = new WeakSet<Context>();

/** True when the request presented the right admin token (checked by `adminCredential`). */
export function isAdminContext(context: Context): boolean {
  return adminContexts.has(context);
}

export function adminCredential(throttle: LoginThrottle, adminToken: string | undefined): MiddlewareHandler {
  return async (context, next) => {
    const header = context.req.header("authorization")?.trim();
    // Without a configured token there is no admin to be; a header that is not a Bearer token is no guess at it.
    if (!adminToken || !header || !BEARER.test(header)) return next();
    const checked = await throttle.check(clientAddress(context), () => hasAdminToken(header, adminToken));
    if (checked.outcome === "throttled") {
      context.header("Retry-After", String(checked.retryAfterSeconds));
      noteForLog(context, { adminTokenCheck: "throttled" });
      const { triesPerAddress, triesOverall } = throttle.options;
      return jsonError(
        context,
        429,
        "ADMIN_TOKEN_THROTTLED",
        `Too many wrong admin tokens: at most ${triesPerAddress} a minute are checked from one address and ${triesOverall} from all; this one was not checked.`,
        `Wait ${checked.retryAfterSeconds} s (see the Retry-After header); the limits are ADMIN_TOKEN_TRIES_PER_MINUTE and ADMIN_TOKEN_TRIES_PER_MINUTE_TOTAL.`,
      );
    }
    if (checked.outcome === "right") adminContexts.add(context);
    else noteForLog(context, { adminTokenCheck: "refused" });
    return next();
  };
}
