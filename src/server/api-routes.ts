/**
 * The JSON API: `POST /api/ask`, `POST /api/search` (hit testing) and, only when an admin token is
 * configured, `POST /api/reindex`. A question goes through the same responder as every chat
 * platform, in the conversation the client names by `conversationId` (a new one when it names none).
 */
import { randomUUID } from "node:crypto";
import type { Context, Hono } from "hono";
import { answerToJson } from "../answer/answer-json.js";
import type { AppConfig } from "../config.js";
import { createConfiguredResponder } from "../conversation/conversation-settings.js";
import type { Reply, Responder } from "../conversation/incoming.js";
import { isKnowledgeBotError } from "../core/errors.js";
import { createLogger, type Logger } from "../core/logger.js";
import { maskPersonalData } from "../core/mask-personal-data.js";
import { maskSecretShapes } from "../core/mask-secrets.js";
import { sourceLink } from "../retrieval/source-link.js";
import { isAdminContext } from "./admin-credential.js";
import { jsonError, reindexFailure } from "./json-error.js";
import { readQuestion } from "./read-question.js";
import { noteForLog } from "./request-log.js";
import type { ServedBot } from "./served-bot.js";
import type { StateStore } from "../state/state-store.js";
import { pacedJsonStream } from "./paced-json.js";
import { createVoterCookies, type VoterCookies } from "./voter-cookie.js";

/** Ids the client may choose: long enough for a UUID, short and plain enough to be a memory key. */
const conversationIdPattern = /^[A-Za-z0-9_-]{1,128}$/;

export interface ApiRouteOptions {
  /** The responder every platform shares; without one (tests) the routes build their own. */
  responder?: Responder;
  logger?: Logger;
  /** The state store an own responder logs to and keeps its memory in. */
  store?: StateStore;
  /** Who asks: the asker's identity is logged with the answer, so only they vote on it (voter-cookie.ts). */
  voterCookies?: VoterCookies;
}

export function mountApiRoutes(app: Hono, bot: ServedBot, config: AppConfig, options: ApiRouteOptions = {}): void {
  let ownResponder: Responder | undefined;
  const voterCookies = options.voterCookies ?? createVoterCookies({ store: options.store, publicBaseUrl: config.publicBaseUrl, logger: options.logger });
  const responder = () =>
    options.responder ?? (ownResponder ??= createConfiguredResponder({ bot, config, logger: options.logger ?? silentLogger(), store: options.store }));

  app.post("/api/ask", async (context) => {
    const body = await readQuestion(context, config.maxQuestionChars);
    if (body instanceof Response) return body;
    const conversationId = checkConversationId(context, body.conversationId);
    if (conversationId instanceof Response) return conversationId;
    noteForLog(context, { question: maskPersonalData(maskSecretShapes(body.question)) });
    const voter = await voterCookies.identify(context);
    const reply = await responder().respond({
      text: body.question,
      platform: "web",
      conversationKey: `web:${conversationId}`,
      // The browser (its voter cookie, else its address): the question log keeps it, hashed, as the answer's asker.
      userId: voter.identity,
      // A conversation id made here has no history: reading it would be a round trip to the store for nothing.
      newConversation: conversationId !== body.conversationId,
      addressedToBot: true,
      // A command such as /reindex through the API needs the admin token, like POST /api/reindex.
      isAdmin: isAdminContext(context),
    });
    // A failed answer is an error response with its code and hint (the server's error handler), not a 200 notice.
    if (reply.kind === "text" && reply.failure !== undefined) throw reply.failure;
    if (reply.kind === "answer") {
      const { answer } = reply;
      noteForLog(context, {
        noAnswer: answer.noAnswer,
        disclaimer: answer.disclaimer,
        citations: answer.citations.length,
        understood: answer.understoodAs !== undefined,
      });
    }
    return context.json({ ...replyToJson(reply), conversationId });
  });

  app.post("/api/search", async (context) => {
    const body = await readQuestion(context, config.maxQuestionChars);
    if (body instanceof Response) return body;
    noteForLog(context, { question: maskPersonalData(maskSecretShapes(body.question)) });
    const result = await bot.retrieve(body.question, body.limit ?? 5);
    noteForLog(context, { hits: result.hits.length, noAnswer: result.noAnswer });
    return context.json({
      query: result.query,
      noAnswer: result.noAnswer,
      ...(result.missingSubject ? { missingSubject: result.missingSubject } : {}),
      confidence: result.confidence,
      hits: result.hits.map((hit) => ({
        sourceId: hit.sourceId,
        title: hit.title,
        url: sourceLink(config.publicBaseUrl, hit.sourceId, hit.url, { chunkIndex: hit.passages[0]?.chunkIndex, location: hit.passages[0]?.location }),
        score: hit.score,
        passages: hit.passages.map(({ chunkId, chunkIndex, score, text }) => ({ chunkId, chunkIndex, score, text })),
      })),
    });
  });

  // Without a configured token the route does not exist at all (404), rather than being guessable.
  if (!config.adminToken) return;
  app.post("/api/reindex", async (context) => {
    if (!isAdminContext(context)) {
      context.header("WWW-Authenticate", 'Bearer realm="kb-admin"');
      return jsonError(context, 401, "UNAUTHORIZED", "A valid admin token is required.", "Send the ADMIN_TOKEN value as `Authorization: Bearer <token>`.");
    }
    const options = await readReindexOptions(context.req.raw);
    try {
      const summary = await bot.reindex({ ...options, reason: "POST /api/reindex" });
      noteForLog(context, {
        reindex: { version: summary.version, added: summary.added.length, changed: summary.changed.length, removed: summary.removed.length },
      });
      // A summary can list a million source ids: made and sent in slices, so other requests are answered meanwhile.
      return context.body(pacedJsonStream(summary as unknown as Record<string, unknown>), 200, { "content-type": "application/json" });
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

/** The client's `conversationId`, a new random one when it sent none, or the 400 to answer. */
function checkConversationId(context: Context, conversationId: unknown): string | Response {
  if (conversationId === undefined || conversationId === null || conversationId === "") return randomUUID();
  if (typeof conversationId === "string" && conversationIdPattern.test(conversationId)) return conversationId;
  return jsonError(
    context,
    400,
    "CONVERSATION_ID_INVALID",
    "conversationId must be 1-128 characters of A-Z a-z 0-9 _ -.",
    "Send back the conversationId an earlier answer returned, or leave it out to start a new conversation.",
  );
}

/**
 * An answer in the shape `kb ask --json` prints; a text reply (a command's reply, the busy notice)
 * in the same shape with the text as its one paragraph, so a client draws both the same way.
 */
function replyToJson(reply: Reply) {
  if (reply.kind === "answer") return { kind: "answer" as const, answerId: reply.answerId, ...answerToJson(reply.answer) };
  const text = reply.kind === "text" ? reply.text : "";
  return { kind: "text" as const, text, paragraphs: [{ text, citations: [] }], citations: [], disclaimer: false, noAnswer: true, related: [], passages: [] };
}

function silentLogger(): Logger {
  return createLogger("silent");
}
