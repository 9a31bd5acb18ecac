/**
 * The admin JSON API, every route behind the admin token or a console session (401 otherwise):
 * the question queue (`GET /api/admin/questions`, and `.csv`), answering a question
 * (`POST /api/admin/answers`: one FAQ row appended to `admin-answers.jsonl` in the knowledge folder,
 * then an incremental re-index), the unanswered questions by the subject the knowledge base lacks
 * (`GET /api/admin/missing-subjects`), taking a question off the queue
 * (`POST /api/admin/questions/dismiss`) and the figures (`GET /api/admin/stats`).
 */
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Context, Hono } from "hono";
import type { AppConfig } from "../config.js";
import { isChitChatMessage } from "../retrieval/chit-chat.js";
import { isKnowledgeBotError } from "../core/errors.js";
import { groupByMissingSubject, MISSING_SUBJECT_SCAN_LIMIT } from "../state/missing-subjects.js";
import type { QuestionFilter, QuestionGroup, StateStore } from "../state/state-store.js";
import { isAdminRequest, unauthorized } from "./admin-request.js";
import { jsonError, reindexFailure } from "./json-error.js";
import { noteForLog } from "./request-log.js";
import type { ServedBot } from "./served-bot.js";

/** The FAQ file admin answers go to, inside the knowledge folder; an admin may edit it by hand too. */
export const ADMIN_ANSWERS_FILE = "admin-answers.jsonl";

const FILTERS: QuestionFilter[] = ["unanswered", "downvoted", "all"];
const MAX_QUESTION_CHARS = 500;
const MAX_ANSWER_CHARS = 20_000;
const MAX_FIELD_CHARS = 200;

export interface AdminApiOptions {
  store?: StateStore;
}

export function mountAdminApiRoutes(app: Hono, bot: ServedBot, config: AppConfig, { store }: AdminApiOptions = {}): void {
  const access = { adminToken: config.adminToken, store, publicBaseUrl: config.publicBaseUrl };
  // Appends and their re-indexes run one at a time, so two answers never race for one file.
  let answering: Promise<unknown> = Promise.resolve();

  app.use("/api/admin/*", async (context, next) => {
    if (!(await isAdminRequest(context, access))) return unauthorized(context, config.adminToken);
    return next();
  });

  async function listedQuestions(context: Context): Promise<QuestionGroup[] | Response> {
    const filter = context.req.query("filter") ?? "all";
    if (!FILTERS.includes(filter as QuestionFilter)) {
      return jsonError(
        context,
        400,
        "QUERY_INVALID",
        `filter must be one of ${FILTERS.join(", ")}.`,
        "Use ?filter=unanswered, ?filter=downvoted or ?filter=all.",
      );
    }
    const days = readDays(context, config.questionLog.retentionDays);
    if (days instanceof Response) return days;
    const limit = Number(context.req.query("limit") ?? 100);
    if (!store) return [];
    return store.listQuestions({ filter: filter as QuestionFilter, days, limit: Number.isFinite(limit) ? limit : 100 });
  }

  app.get("/api/admin/questions", async (context) => {
    const groups = await listedQuestions(context);
    if (groups instanceof Response) return groups;
    return context.json({ questions: groups.map(questionToJson) });
  });

  app.get("/api/admin/missing-subjects", async (context) => {
    const days = readDays(context, config.questionLog.retentionDays);
    if (days instanceof Response) return days;
    const unanswered = store ? await store.listQuestions({ filter: "unanswered", days, limit: MISSING_SUBJECT_SCAN_LIMIT }) : [];
    const { bySubject, withoutSubject } = groupByMissingSubject(unanswered);
    return context.json({
      subjects: bySubject.map((subject) => ({
        subject: subject.subject,
        count: subject.count,
        lastAskedAt: new Date(subject.lastAskedAt).toISOString(),
        questions: subject.questions.map(questionToJson),
      })),
      withoutSubject: withoutSubject.map(questionToJson),
    });
  });

  app.post("/api/admin/questions/dismiss", async (context) => {
    const body = await readJsonObject(context);
    if (body instanceof Response) return body;
    const groupKey = textField(body.groupKey, MAX_QUESTION_CHARS);
    if (!groupKey) return jsonError(context, 400, "QUERY_INVALID", "groupKey is required text.", 'Send {"groupKey": "..."} as the queue lists it.');
    if (!store || !(await store.dismissQuestion(groupKey, Date.now()))) {
      return jsonError(context, 404, "NOT_FOUND", "No logged question has that groupKey.", "List the queue again with GET /api/admin/questions.");
    }
    return context.json({ dismissed: groupKey });
  });

  app.get("/api/admin/questions.csv", async (context) => {
    const groups = await listedQuestions(context);
    if (groups instanceof Response) return groups;
    const header = ["text", "count", "lastAskedAt", "platforms", "noAnswer", "upvotes", "downvotes", "topSource"];
    const lines = [header.join(",")];
    for (const group of groups) {
      const row = questionToJson(group);
      lines.push(
        [row.text, row.count, row.lastAskedAt, row.platforms.join(" "), row.noAnswer, row.upvotes, row.downvotes, row.topSource ?? ""].map(csvField).join(","),
      );
    }
    context.header("Content-Disposition", 'attachment; filename="questions.csv"');
    // A byte-order mark, so Excel opens the Chinese text as UTF-8.
    return context.body(`\uFEFF${lines.join("\r\n")}\r\n`, 200, { "Content-Type": "text/csv; charset=utf-8" });
  });

  app.get("/api/admin/stats", async (context) => {
    const days = readDays(context, 30);
    if (days instanceof Response) return days;
    if (!store) return context.json({ days: [], asked: 0, answered: 0, answeredShare: 0, upvotes: 0, downvotes: 0, topSources: [], topUnanswered: [] });
    const stats = await store.questionStats({ days });
    return context.json({
      days: stats.days,
      asked: stats.asked,
      answered: stats.answered,
      answeredShare: stats.asked === 0 ? 0 : Math.round((stats.answered / stats.asked) * 1000) / 1000,
      upvotes: stats.upvotes,
      downvotes: stats.downvotes,
      topSources: stats.topSources,
      topUnanswered: stats.topUnanswered.map(questionToJson),
    });
  });

  app.post("/api/admin/answers", async (context) => {
    const body = await readJsonObject(context);
    if (body instanceof Response) return body;
    const question = textField(body.question, MAX_QUESTION_CHARS);
    const answer = textField(body.answer, MAX_ANSWER_CHARS);
    const title = body.title === undefined ? "" : textField(body.title, MAX_FIELD_CHARS);
    const category = body.category === undefined ? "" : textField(body.category, MAX_FIELD_CHARS);
    if (!question || !answer || title === undefined || category === undefined) {
      return jsonError(
        context,
        400,
        "QUERY_INVALID",
        `question (up to ${MAX_QUESTION_CHARS} characters) and answer (up to ${MAX_ANSWER_CHARS}) are required text; title and category are optional text.`,
        'Send {"question": "...", "answer": "..."}.',
      );
    }
    if (isChitChatMessage(question)) {
      // The responder answers small talk with the introduction and never searches it, so such a row
      // would only ever show up as an example question (and, quoting a medical answer, a disclaimer).
      return jsonError(
        context,
        400,
        "QUERY_INVALID",
        "The question is small talk (a greeting, thanks or a question about the bot); the bot answers it with its introduction.",
        "Dismiss it from the queue instead of answering it.",
      );
    }
    const sourceId = `admin-answer-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
    const row = { id: sourceId, question, answer, ...(title ? { title } : {}), ...(category ? { category } : {}) };
    const run = answering.then(async () => {
      await appendRow(path.join(config.knowledgeDir, ADMIN_ANSWERS_FILE), row);
      return bot.reindex({ reason: "管理员回答问题" });
    });
    answering = run.catch(() => undefined);
    try {
      const summary = await run;
      noteForLog(context, { adminAnswer: sourceId, version: summary.version });
      const problem = summary.errors.find((error) => error.file === ADMIN_ANSWERS_FILE);
      return context.json({ sourceId, title: title || question, file: ADMIN_ANSWERS_FILE, version: summary.version, ...(problem ? { problem } : {}) }, 201);
    } catch (error) {
      if (isKnowledgeBotError(error)) {
        const failure = reindexFailure(error.code);
        // The row is written: the next re-index picks it up even though this one failed.
        return jsonError(context, failure.status, failure.code, `${sourceId} was written to ${ADMIN_ANSWERS_FILE}, but: ${error.message}`, error.hint);
      }
      throw error;
    }
  });
}

function questionToJson(group: QuestionGroup) {
  return {
    text: group.text,
    groupKey: group.groupKey,
    count: group.count,
    lastAskedAt: new Date(group.lastAskedAt).toISOString(),
    platforms: group.platforms,
    noAnswer: group.noAnswer,
    noAnswerCount: group.noAnswerCount,
    upvotes: group.upvotes,
    downvotes: group.downvotes,
    topSource: group.topSource ?? null,
    missingSubject: group.missingSubject ?? null,
  };
}

function readDays(context: Context, fallback: number): number | Response {
  const raw = context.req.query("days");
  if (raw === undefined) return fallback;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    return jsonError(context, 400, "QUERY_INVALID", "days must be a whole number from 1 to 3650.", "Use e.g. ?days=7.");
  }
  return days;
}

async function readJsonObject(context: Context): Promise<Record<string, unknown> | Response> {
  try {
    const parsed: unknown = JSON.parse(await context.req.text());
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  return jsonError(context, 400, "INVALID_JSON", "The body is not a JSON object.", 'Send {"question": "...", "answer": "..."}.');
}

/** Trimmed text within the limit; undefined when it is not text or too long. */
function textField(value: unknown, maxChars: number): string | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  return [...text].length <= maxChars ? text : undefined;
}

/** One JSON line, on a line of its own even when the file was edited by hand without a last newline. */
async function appendRow(file: string, row: Record<string, string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  let existing = "";
  try {
    existing = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const separator = existing.length > 0 && !existing.endsWith("\n") ? "\n" : "";
  await appendFile(file, `${separator}${JSON.stringify(row)}\n`, "utf8");
}

/** A CSV field: quoted when it holds a comma, quote or newline; a leading = + - @ is defused for spreadsheets. */
function csvField(value: unknown): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
