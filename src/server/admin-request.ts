/**
 * Who may use the admin routes: a request with `Authorization: Bearer $ADMIN_TOKEN` (checked once
 * under the throttle, admin-credential.ts), or one with the admin console's session cookie naming a
 * live session in the state store. Every admin route (the JSON API and the console's pages) asks
 * this one function.
 */
import { createHmac } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { StateStore } from "../state/state-store.js";
import { isAdminContext } from "./admin-credential.js";
import { CSRF_HEADER, isCsrfToken, isSameOrigin } from "./admin/csrf.js";
import { jsonError } from "./json-error.js";

/** The console's session cookie (HttpOnly, SameSite=Strict); the store keeps only the token's hash. */
export const ADMIN_SESSION_COOKIE = "kb_admin_session";

/**
 * The key a console session is stored under: the cookie's token bound to the admin token by an
 * HMAC. A new ADMIN_TOKEN turns every stored key into one no cookie leads to, so changing the token
 * ends every session at once, on every replica, with nothing to clean up by hand.
 */
export function sessionKey(sessionToken: string, adminToken: string): string {
  return createHmac("sha256", adminToken).update(sessionToken, "utf8").digest("base64url");
}

export interface AdminAccess {
  adminToken?: string;
  store?: StateStore;
  /** Also an allowed Origin for cookie requests that change something (behind a proxy). */
  publicBaseUrl?: string;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** True for the admin token as a Bearer header or a valid console session cookie. */
export async function isAdminRequest(context: Context, access: AdminAccess): Promise<boolean> {
  if (!access.adminToken) return false;
  if (isAdminContext(context)) return true;
  const session = getCookie(context, ADMIN_SESSION_COOKIE);
  if (!session || !access.store) return false;
  try {
    const found = (await access.store.findAdminSession(sessionKey(session, access.adminToken))) !== undefined;
    // The browser sends the cookie with any request; one that changes something also needs the page's CSRF token.
    if (found && !SAFE_METHODS.has(context.req.method)) {
      return isCsrfToken(session, context.req.header(CSRF_HEADER)) && isSameOrigin(context, access.publicBaseUrl ?? "");
    }
    return found;
  } catch {
    // A store that cannot be read grants nothing.
    return false;
  }
}

export function unauthorized(context: Context, adminToken: string | undefined): Response {
  context.header("WWW-Authenticate", 'Bearer realm="kb-admin"');
  return jsonError(
    context,
    401,
    "UNAUTHORIZED",
    "A valid admin token or console session is required.",
    adminToken
      ? "Send the ADMIN_TOKEN value as `Authorization: Bearer <token>`, or log in at /admin."
      : "Set ADMIN_TOKEN (16 characters or more) to turn the admin routes on, then send it as `Authorization: Bearer <token>`.",
  );
}
