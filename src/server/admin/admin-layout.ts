/**
 * The frame of every console page: the shared page layout, a navigation bar that wraps on a
 * 375 px phone, the logout form (with its CSRF token) and the console's strict CSP.
 */
import { randomBytes } from "node:crypto";
import type { Context } from "hono";
import { escapeHtml } from "../escape-html.js";
import { renderPage } from "../page-layout.js";
import { CSRF_FIELD } from "./csrf.js";
import { BROWSER_SCRIPT_HELPERS } from "../browser-script-helpers.js";

export type AdminPageName = "overview" | "queue" | "hit-testing" | "documents" | "synonyms";

const NAVIGATION: { name: AdminPageName; href: string; label: string }[] = [
  { name: "overview", href: "/admin", label: "概览" },
  { name: "queue", href: "/admin/queue", label: "待回答" },
  { name: "hit-testing", href: "/admin/hit-testing", label: "命中测试" },
  { name: "documents", href: "/admin/documents", label: "文档" },
  { name: "synonyms", href: "/admin/synonyms", label: "同义词" },
];

const ADMIN_CSS = `
nav.admin{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;margin:0 0 8px}
nav.admin a{text-decoration:none;padding:2px 0}
nav.admin a.active{font-weight:700;border-bottom:2px solid #1a5fd0}
nav.admin form{margin-left:auto}
button{font:inherit;cursor:pointer;border-radius:8px;border:1px solid #1a5fd0;background:#1a5fd0;color:#fff;padding:6px 14px}
button.secondary{background:#fff;color:#1a5fd0;border-color:#cddcf7}
button.danger{background:#fff;color:#b42318;border-color:#fecdca}
button:disabled{opacity:.6;cursor:progress}
input,textarea,select{font:inherit;padding:6px 10px;border:1px solid #cfd4dc;border-radius:8px;max-width:100%}
textarea{width:100%;min-height:90px}
label{display:block;margin:8px 0 2px;font-size:14px}
.error{color:#b42318;background:#fef3f2;border:1px solid #fecdca;border-radius:8px;padding:10px 12px}
.notice{color:#05603a;background:#ecfdf3;border:1px solid #abefc6;border-radius:8px;padding:10px 12px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 4px;border-bottom:1px solid #eceff3;vertical-align:top;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;max-width:100%}
.figures{display:flex;flex-wrap:wrap;gap:8px 20px}
.figure b{font-size:20px;display:block}
h2{font-size:17px;margin:0 0 8px}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.break{overflow-wrap:anywhere;word-break:break-word}
`;

export interface AdminPageParts {
  title: string;
  active?: AdminPageName;
  body: string;
  /** Empty on the login page, where there is no session yet. */
  csrfToken?: string;
  css?: string;
  /** Inline script; it runs with the page's nonce. */
  script?: string;
  /** Same-origin script files to load before the inline script (e.g. uPlot). */
  scriptFiles?: string[];
  cssFiles?: string[];
}

/** Sends a console page with its own nonce, a strict CSP and no caching. */
export function sendAdminPage(context: Context, parts: AdminPageParts, status: 200 | 400 | 401 | 404 | 429 = 200): Response {
  const nonce = randomBytes(16).toString("base64");
  context.header("Content-Security-Policy", adminContentSecurityPolicy(nonce));
  context.header("Cache-Control", "no-store");
  context.header("X-Frame-Options", "DENY");
  context.header("Referrer-Policy", "same-origin");
  return context.html(renderAdminPage(parts, nonce), status);
}

/** Scripts only by nonce, styles inline or from this server, requests only to this server. */
export function adminContentSecurityPolicy(nonce: string): string {
  return `default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
}

export function renderAdminPage(parts: AdminPageParts, nonce: string): string {
  const navigation = parts.active
    ? `<nav class="admin">${NAVIGATION.map(
        (item) => `<a href="${item.href}"${item.name === parts.active ? ' class="active" aria-current="page"' : ""}>${escapeHtml(item.label)}</a>`,
      ).join(
        "",
      )}<form method="post" action="/admin/logout"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(parts.csrfToken ?? "")}"><button type="submit" class="secondary" id="logout">退出登录</button></form></nav>`
    : "";
  const head = (parts.cssFiles ?? []).map((file) => `<link rel="stylesheet" href="${escapeHtml(file)}">`).join("");
  const files = (parts.scriptFiles ?? []).map((file) => `<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(file)}"></script>`).join("\n");
  const body = `${head}<main>
<header class="top"><h1>${escapeHtml(parts.title)}</h1><a href="/">问答页面</a></header>
${navigation}
${parts.body}
</main>
${files}`;
  return renderPage({ title: `${parts.title} · 知识库管理`, body, css: ADMIN_CSS + (parts.css ?? ""), script: parts.script, scriptNonce: nonce });
}

/** The page scripts' shared helpers: DOM building by textContent only, and JSON calls with the CSRF header. */
export const ADMIN_SCRIPT_HELPERS =
  BROWSER_SCRIPT_HELPERS +
  String.raw`
function callJson(method, path, body) {
  return requestJson(method, path, body, { "x-csrf-token": CSRF_TOKEN });
}
`;
