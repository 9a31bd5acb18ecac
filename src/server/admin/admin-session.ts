/**
 * Logging in to the console: the admin token typed into a form at /admin/login buys a session
 * cookie (a random token; the state store keeps only a hash of it bound to the admin token, with an
 * expiry, so a new ADMIN_TOKEN ends every session). The form is checked under the same throttle as
 * a Bearer token on the API (login-throttle.ts: per client address and overall, counted in the
 * state store so every replica shares the count), so the token cannot be guessed through either.
 * Every other /admin page and POST passes `requireAdminSession`.
 */
import { randomBytes } from "node:crypto";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppConfig } from "../../config.js";
import type { StateStore } from "../../state/state-store.js";
import { ADMIN_SESSION_COOKIE, sessionKey } from "../admin-request.js";
import { hasAdminToken } from "../admin-token.js";
import { escapeHtml } from "../escape-html.js";
import { clientAddress } from "../rate-limit.js";
import { noteForLog } from "../request-log.js";
import { sendAdminPage } from "./admin-layout.js";
import { CSRF_FIELD, CSRF_HEADER, csrfTokenFor, isCsrfToken, isSameOrigin } from "./csrf.js";
import type { LoginThrottle } from "./login-throttle.js";
import { readForm } from "../read-form.js";

/** A console session lasts a working day; logging out ends it at once. */
export const ADMIN_SESSION_MS = 12 * 60 * 60 * 1000;

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** What a page handler learns from the guard. */
export interface AdminSessionInfo {
  csrfToken: string;
}

export function adminSessionOf(context: Context): AdminSessionInfo {
  return context.get("adminSession" as never) as AdminSessionInfo;
}

export function mountAdminLogin(app: Hono, config: AppConfig, store: StateStore | undefined, throttle: LoginThrottle): void {
  const tries = throttle.options.triesPerAddress;
  app.get("/admin/login", (context) => loginPage(context, store ? "" : "服务器没有可用的状态存储，无法登录。", 200, tries));

  app.post("/admin/login", async (context) => {
    if (!isSameOrigin(context, config.publicBaseUrl)) return loginPage(context, "请求来源不对，请从本站的登录页登录。", 400, tries);
    const adminToken = config.adminToken;
    if (!adminToken) return loginPage(context, "管理员令牌不对。", 401, tries);
    const form = await readForm(context);
    const token = typeof form.token === "string" ? form.token : "";
    const checked = await throttle.check(clientAddress(context), () => hasAdminToken(`Bearer ${token}`, adminToken));
    if (checked.outcome === "throttled") {
      context.header("Retry-After", String(checked.retryAfterSeconds));
      noteForLog(context, { adminLogin: "throttled" });
      return loginPage(context, `错误次数过多，请 ${checked.retryAfterSeconds} 秒后再试。`, 429, tries);
    }
    if (checked.outcome === "wrong") {
      noteForLog(context, { adminLogin: "refused" });
      return loginPage(context, "管理员令牌不对。", 401, tries);
    }
    if (!store) return loginPage(context, "服务器没有可用的状态存储，无法登录。", 400, tries);
    const sessionToken = randomBytes(32).toString("base64url");
    const now = Date.now();
    await store.createAdminSession(sessionKey(sessionToken, adminToken), { createdAt: now, expiresAt: now + ADMIN_SESSION_MS });
    setCookie(context, ADMIN_SESSION_COOKIE, sessionToken, {
      httpOnly: true,
      sameSite: "Strict",
      secure: isHttps(context, config.publicBaseUrl),
      path: "/",
      maxAge: ADMIN_SESSION_MS / 1000,
    });
    noteForLog(context, { adminLogin: "ok" });
    return context.redirect("/admin", 303);
  });

  app.post("/admin/logout", async (context) => {
    const sessionToken = getCookie(context, ADMIN_SESSION_COOKIE);
    if (sessionToken && store) {
      const form = await readForm(context);
      const presented = typeof form[CSRF_FIELD] === "string" ? (form[CSRF_FIELD] as string) : undefined;
      // Logging someone out from another site is a (small) attack too: the same checks as any POST.
      if (!isSameOrigin(context, config.publicBaseUrl) || !isCsrfToken(sessionToken, presented)) return context.text("CSRF token missing or wrong", 403);
      if (config.adminToken) await store.deleteAdminSession(sessionKey(sessionToken, config.adminToken));
    }
    deleteCookie(context, ADMIN_SESSION_COOKIE, { path: "/", secure: isHttps(context, config.publicBaseUrl), httpOnly: true, sameSite: "Strict" });
    return context.redirect("/admin/login", 303);
  });
}

/**
 * Pages need a live session (otherwise to the login page); POSTs also need the session's CSRF
 * token (form field or header) and a same-origin Origin.
 */
export function requireAdminSession(config: AppConfig, store: StateStore | undefined): MiddlewareHandler {
  return async (context, next) => {
    const sessionToken = getCookie(context, ADMIN_SESSION_COOKIE);
    let live = false;
    if (sessionToken && store && config.adminToken) {
      try {
        live = (await store.findAdminSession(sessionKey(sessionToken, config.adminToken))) !== undefined;
      } catch {
        // A store that cannot be read grants nothing.
      }
    }
    if (!sessionToken || !live) {
      if (SAFE_METHODS.has(context.req.method)) return context.redirect("/admin/login", 303);
      return context.text("Log in at /admin/login first", 401);
    }
    if (!SAFE_METHODS.has(context.req.method)) {
      const presented = context.req.header(CSRF_HEADER) ?? (await formField(context, CSRF_FIELD));
      if (!isSameOrigin(context, config.publicBaseUrl) || !isCsrfToken(sessionToken, presented)) {
        noteForLog(context, { csrf: "refused" });
        return context.text("CSRF token missing or wrong", 403);
      }
    }
    context.set("adminSession" as never, { csrfToken: csrfTokenFor(sessionToken) } as never);
    return next();
  };
}

/** A form field of a urlencoded or multipart body (Hono caches the parsed body for the handler). */
async function formField(context: Context, name: string): Promise<string | undefined> {
  const type = context.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) return undefined;
  const form = await readForm(context);
  return typeof form[name] === "string" ? (form[name] as string) : undefined;
}

function isHttps(context: Context, publicBaseUrl: string): boolean {
  return new URL(context.req.url).protocol === "https:" || publicBaseUrl.startsWith("https:");
}

function loginPage(context: Context, message: string, status: 200 | 400 | 401 | 429, triesPerMinute: number): Response {
  const body = `<section class="card">
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ""}
<form method="post" action="/admin/login" id="login-form">
<label for="token">管理员令牌（ADMIN_TOKEN）</label>
<input type="password" id="token" name="token" autocomplete="current-password" required style="width:100%">
<p><button type="submit" id="login-button">登录</button></p>
</form>
<p class="muted">每个地址每分钟最多试错 ${triesPerMinute} 次。</p>
</section>`;
  return sendAdminPage(context, { title: "管理员登录", body }, status);
}
