/**
 * CSRF defences for the admin console. The session cookie is SameSite=Strict already; on top of it
 * every state-changing request must carry the session's CSRF token (a form field or the
 * X-CSRF-Token header) and, when the browser sends an Origin, come from this server's own origin.
 * The token is derived from the session token, so nothing more is stored and it dies with the session.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";

export const CSRF_FIELD = "csrf";
export const CSRF_HEADER = "x-csrf-token";

/** The CSRF token of a session: a one-way function of its secret token, never the token itself. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash("sha256").update(`kb-admin-csrf:${sessionToken}`, "utf8").digest("base64url");
}

/** True when `presented` is the session's CSRF token (constant-time comparison). */
export function isCsrfToken(sessionToken: string, presented: string | undefined): boolean {
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(presented ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * False when the browser says the request comes from another origin. A missing Origin (old
 * browsers, scripts) passes here; the CSRF token still has to match.
 */
export function isSameOrigin(context: Context, publicBaseUrl: string): boolean {
  const origin = context.req.header("origin");
  if (origin === undefined) return true;
  const allowed = new Set([new URL(context.req.url).origin]);
  try {
    allowed.add(new URL(publicBaseUrl).origin);
  } catch {
    // A base URL that is not a URL allows nothing more.
  }
  return allowed.has(origin);
}
