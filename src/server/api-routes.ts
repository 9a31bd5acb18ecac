/**
 * The JSON API: `POST /api/ask`, `POST /api/search` (hit testing) and, only when an admin token is
 * configured, `POST /api/reindex`.
 */
import type { Hono } from "hono";
import { answerToJson } from "../cli/render-answer.js";
import type { AppConfig } from "../config.js";
import { isKnowledgeBotError } from "../core/errors.js";
import { maskPersonalData } from "../text/mask-personal-data.js";
import { sourceLink } from "../retrieval/compose-answer.js";
import { hasAdminToken } from "./admin-token.js";
import { jsonError, reindexFailure } from "./json-error.js";
import { readQuestion } from "./read-question.js";
import { noteForLog } from "./request-log.js";
import type { ServedBot } from "./served-bot.js";

export function mountApiRoutes(app: Hono, bot: ServedBot, config: AppConfig): void {
  app.post("/api/ask", async (context) => {
    const body = await readQuestion(context, config.maxQuestionChars);
    if (body instanceof Response) return body;
    noteForLog(context, { question: maskPersonalData(body.question) });
    const answer = await bot.answer({ text: body.question, platform: "web" });
    noteForLog(context, { noAnswer: answer.noAnswer, disclaimer: answer.disclaimer, citations: answer.citations.length });
    return context.json(answerToJson(answer));
  });

  app.post("/api/search", async (context) => {
    const body = await readQuestion(context, config.maxQuestionChars);
    if (body instanceof Response) return body;
    noteForLog(context, { question: maskPersonalData(body.question) });
    const result = await bot.retrieve(body.question, body.limit ?? 5);
    noteForLog(context, { hits: result.hits.length, noAnswer: result.noAnswer });
    return context.json({
      query: result.query,
      noAnswer: result.noAnswer,
      confidence: result.confidence,
      hits: result.hits.map((hit) => ({
        sourceId: hit.sourceId,
        title: hit.title,
        url: sourceLink(config.publicBaseUrl, hit.sourceId, hit.url, hit.passages[0]?.chunkIndex),
        score: hit.score,
        passages: hit.passages.map(({ chunkId, chunkIndex, score, text }) => ({ chunkId, chunkIndex, score, text })),
      })),
    });
  });

  const adminToken = config.adminToken;
  // Without a configured token the route does not exist at all (404), rather than being guessable.
  if (!adminToken) return;
  app.post("/api/reindex", async (context) => {
    if (!hasAdminToken(context.req.header("authorization"), adminToken)) {
      context.header("WWW-Authenticate", 'Bearer realm="kb-admin"');
      return jsonError(context, 401, "UNAUTHORIZED", "A valid admin token is required.", "Send the ADMIN_TOKEN value as `Authorization: Bearer <token>`.");
    }
    const options = await readReindexOptions(context.req.raw);
    try {
      const summary = await bot.reindex(options);
      noteForLog(context, {
        reindex: { version: summary.version, added: summary.added.length, changed: summary.changed.length, removed: summary.removed.length },
      });
      return context.json(summary);
    } catch (error) {
      if (isKnowledgeBotError(error)) {
        const failure = reindexFailure(error.code);
        return jsonError(context, failure.status, failure.code, error.message, error.hint);
      }
      throw error;
    }
  });
}

/** `{ "full": true }` and `{ "dryRun": true }` are honoured; an empty or unreadable body means defaults. */
async function readReindexOptions(request: Request): Promise<{ full?: boolean; dryRun?: boolean }> {
  const text = await request.text();
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    return { full: body.full === true, dryRun: body.dryRun === true };
  } catch {
    return {};
  }
}
