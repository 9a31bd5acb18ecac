/**
 * The HTML routes: the ask page `/`, source pages `/kb/:sourceId`, original files `/kb-file/:sourceId`,
 * and `/healthz`. Health is 200 whenever the index serves: a state store that cannot be reached, or
 * a chat platform that cannot (an adapter not yet started, a connection dropped), is reported as
 * "degraded" (questions are still answered from the index), not as down.
 */
import { randomBytes } from "node:crypto";
import type { Hono } from "hono";
import type { AppConfig } from "../config.js";
import type { AdapterHealth } from "./adapter-connections.js";
import type { StateStore } from "../state/state-store.js";
import { contentSecurityPolicy } from "./page-layout.js";
import { readOriginalFile } from "./original-file.js";
import type { ServedBot } from "./served-bot.js";
import { renderSourceNotFoundPage, renderSourcePage } from "./source-page.js";
import { renderWebPage } from "./web-page.js";

export function mountPageRoutes(app: Hono, bot: ServedBot, config: AppConfig, store?: StateStore, adapterHealth?: () => AdapterHealth): void {
  app.get("/healthz", (context) => {
    const stats = bot.stats();
    const state = store?.health();
    const adapters = adapterHealth?.();
    return context.json({
      // Still 200: the web page answers from the index whatever a chat platform or the store does.
      status: state?.state === "degraded" || adapters?.degraded ? "degraded" : "ok",
      index: { version: stats.version, builtAt: stats.builtAt, sources: stats.sources, chunks: stats.chunks, embedder: stats.embedder.id },
      ...(state ? { state } : {}),
      // Each chat adapter: started, or being tried again after failing to reach its platform.
      ...(adapters && Object.keys(adapters.adapters).length > 0 ? { adapters: adapters.adapters } : {}),
      // The connections adapters hold open themselves (Telegram's long polling, WeCom's long connection), with since as an ISO time.
      ...(adapters && Object.keys(adapters.connections).length > 0 ? { connections: adapters.connections } : {}),
    });
  });

  app.get("/", (context) => {
    const scriptNonce = randomBytes(16).toString("base64");
    context.header("Content-Security-Policy", contentSecurityPolicy(scriptNonce));
    context.header("Cache-Control", "no-store");
    return context.html(
      renderWebPage({
        publicBaseUrl: config.publicBaseUrl,
        maxQuestionChars: config.maxQuestionChars,
        exampleQuestions: bot.exampleQuestions(3),
        scriptNonce,
        feedback: config.questionLog.enabled,
      }),
    );
  });

  // Source ids contain `/` and `#` (encoded as %2F and %23 in links); the pattern takes the whole rest.
  app.get("/kb/:sourceId{.+}", (context) => {
    const sourceId = context.req.param("sourceId");
    const index = bot.current;
    const source = index.sources.get(sourceId);
    context.header("Content-Security-Policy", contentSecurityPolicy());
    if (!source) return context.html(renderSourceNotFoundPage(sourceId), 404);
    const chunks = index.chunks.filter((chunk) => chunk.sourceId === sourceId);
    return context.html(renderSourcePage(source, chunks));
  });

  // The file is looked up through the index: only a file an indexed source came from is served.
  app.get("/kb-file/:sourceId{.+}", async (context) => {
    const source = bot.current.sources.get(context.req.param("sourceId"));
    const original = source ? await readOriginalFile(config.knowledgeDir, source.file, config.limits.maxFileBytes) : undefined;
    if (!original) return context.text("Not found", 404);
    return context.body(new Uint8Array(original.bytes), 200, original.headers);
  });
}
