/**
 * The admin console under `/admin`, mounted with one call: login and logout, the session guard
 * in front of every other console route, the pages, and the admin-only guard on `/api/search`
 * (hit testing moved here from the public page). Mount it before the API routes, so the guard
 * runs first. Without ADMIN_TOKEN the console does not exist (404), like POST /api/reindex; its
 * pages then explain how to turn it on.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppConfig } from "../../config.js";
import type { AdapterHealth } from "../adapter-connections.js";
import type { Logger } from "../../core/logger.js";
import type { StateStore } from "../../state/state-store.js";
import { isAdminRequest, unauthorized } from "../admin-request.js";
import type { ServedBot } from "../served-bot.js";
import { mountAdminLogin, requireAdminSession } from "./admin-session.js";
import { mountChartAssets } from "./chart-assets.js";
import { mountConsoleDisabledPage } from "./console-disabled-page.js";
import { mountDocumentsPage, UPLOAD_PATH } from "./documents-page.js";
import { mountHitTestingPage } from "./hit-testing-page.js";
import { mountOverviewPage } from "./overview-page.js";
import { mountQueuePage } from "./queue-page.js";
import { ReindexHistory } from "./reindex-history.js";
import { mountSynonymsPage, SYNONYMS_PATH } from "./synonyms-page.js";
import { SYNONYM_LIMITS } from "../../text/synonyms.js";

/** Room for the multipart framing and the fields around an uploaded file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

export function mountAdminConsole(
  app: Hono,
  bot: ServedBot,
  config: AppConfig,
  { store, logger, adapterHealth }: { store?: StateStore; logger?: Logger; adapterHealth?: () => AdapterHealth },
): void {
  const access = { adminToken: config.adminToken, store, publicBaseUrl: config.publicBaseUrl };
  app.use("/api/search", async (context, next) => {
    if (!(await isAdminRequest(context, access))) return unauthorized(context, config.adminToken);
    return next();
  });
  if (!config.adminToken) {
    mountConsoleDisabledPage(app);
    return;
  }

  // Before the session guard, which reads form bodies for their CSRF field.
  app.use("/admin/*", adminBodyLimit(config));
  mountAdminLogin(app, config, store, logger);
  const guard = requireAdminSession(config, store);
  // "/admin/*" covers "/admin" itself too; the login page and form are the only way in without a session.
  app.use("/admin/*", async (context, next) => (context.req.path === "/admin/login" ? next() : guard(context, next)));
  mountChartAssets(app);
  mountOverviewPage(app, bot, store, adapterHealth);
  mountQueuePage(app, bot, store);
  mountHitTestingPage(app);
  // One history for both pages that start re-indexes, so they never run two at once.
  const history = new ReindexHistory(bot, store, logger);
  mountDocumentsPage(app, bot, config, history);
  mountSynonymsPage(app, config, history);
}

function adminBodyLimit(config: AppConfig): MiddlewareHandler {
  const tooLarge = (limit: number) =>
    bodyLimit({
      maxSize: limit,
      onError: (context) => {
        // The rest of the body is never read, so the connection cannot carry another request.
        context.header("Connection", "close");
        return context.text(`The request body is larger than ${limit} bytes (MAX_UPLOAD_BYTES for uploads, MAX_BODY_BYTES otherwise).`, 413);
      },
    });
  const upload = tooLarge(config.maxUploadBytes + FORM_OVERHEAD_BYTES);
  // URL-encoded, each byte of the file may take three ("%E5"); the page itself refuses more than the limit.
  const synonyms = tooLarge(Math.max(config.maxBodyBytes, SYNONYM_LIMITS.maxBytes * 3 + FORM_OVERHEAD_BYTES));
  const other = tooLarge(config.maxBodyBytes);
  return (context, next) => {
    if (context.req.path === UPLOAD_PATH) return upload(context, next);
    if (context.req.path === SYNONYMS_PATH) return synonyms(context, next);
    return other(context, next);
  };
}
