/**
 * `/admin/queue`: what people asked that the bot could not answer, and answers people voted down,
 * each with its count. Unanswered questions whose no-answer named what the knowledge base lacks
 * are gathered under that subject ("北京医保在上海使用: 3"), biggest first, so the admin sees which
 * content to write; the others are listed one by one. "回答这个问题" opens a form that posts to
 * `POST /api/admin/answers` and then shows the answer as the bot now gives it
 * (`POST /admin/queue/preview`, which answers without logging, so checking an answer does not count
 * as another ask). "移出队列" (`POST /admin/queue/dismiss`) takes chit-chat or noise off the queue.
 */
import type { Hono } from "hono";
import { answerToJson } from "../../answer/answer-json.js";
import { isChitChatMessage } from "../../retrieval/chit-chat.js";
import type { SourceDoc } from "../../core/types.js";
import { groupByMissingSubject, MISSING_SUBJECT_SCAN_LIMIT, type MissingSubjectGroup } from "../../state/missing-subjects.js";
import type { QuestionGroup, StateStore } from "../../state/state-store.js";
import { escapeHtml, jsonForScript } from "../escape-html.js";
import { jsonError } from "../json-error.js";
import { noteForLog } from "../request-log.js";
import type { ServedBot } from "../served-bot.js";
import { ADMIN_SCRIPT_HELPERS, sendAdminPage } from "./admin-layout.js";
import { adminSessionOf } from "./admin-session.js";
import { CSRF_FIELD } from "./csrf.js";
import { sourceNameHtml } from "./source-title.js";

const QUEUE_DAYS = 30;
const QUEUE_LIMIT = 100;

const MAX_PREVIEW_CHARS = 500;

const QUEUE_CSS = `
.question{border-top:1px solid #eceff3;padding:10px 0}
.question:first-of-type{border-top:0}
.question .text{font-weight:600;overflow-wrap:anywhere}
.count{display:inline-block;min-width:2.2em;text-align:center;background:#eef3fd;color:#1a5fd0;border-radius:999px;padding:0 8px;font-size:14px;font-variant-numeric:tabular-nums}
form.answer{margin-top:8px;background:#f8fafc;border:1px solid #e3e6eb;border-radius:8px;padding:8px 10px}
form.answer input[type=text]{width:100%}
.preview{margin-top:8px}
.preview p{margin:0 0 8px;white-space:pre-line}
details.subject{border-top:1px solid #eceff3;padding:8px 0}
details.subject:first-of-type{border-top:0}
details.subject summary{cursor:pointer;font-weight:600;overflow-wrap:anywhere}
details.subject .question{margin-left:12px}
form.inline{display:inline}
`;

const QUEUE_SCRIPT = String.raw`
function renderPreview(target, answer, saved) {
  const nodes = [element("p", { className: "notice" }, ["已保存为「", element("span", { className: "saved-title", title: saved.sourceId, textContent: saved.title }), "」。机器人现在的回答："])];
  for (const paragraph of answer.paragraphs) nodes.push(element("p", { textContent: paragraph.text + paragraph.citations.map((n) => "[" + n + "]").join("") }));
  if (answer.citations.length > 0) {
    const list = element("ol", { className: "break" });
    for (const citation of answer.citations) list.append(element("li", { className: citation.sourceId === saved.sourceId ? "new-entry" : "" }, [element("a", { href: "/kb/" + encodeURIComponent(citation.sourceId), title: citation.sourceId, textContent: citation.title })]));
    nodes.push(list);
  }
  target.replaceChildren(...nodes);
}
for (const button of document.querySelectorAll("button.open-answer")) {
  button.addEventListener("click", () => {
    const form = $(button.dataset.form);
    form.hidden = !form.hidden;
    if (!form.hidden) form.querySelector("textarea").focus();
  });
}
for (const form of document.querySelectorAll("form.answer")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = form.querySelector("button[type=submit]");
    const target = form.querySelector(".preview");
    submit.disabled = true;
    try {
      const question = form.elements.question.value;
      const body = { question, answer: form.elements.answer.value };
      if (form.elements.title.value.trim()) body.title = form.elements.title.value.trim();
      const saved = await callJson("POST", "/api/admin/answers", body);
      renderPreview(target, await callJson("POST", "/admin/queue/preview", { question }), saved);
    } catch (error) {
      showError(target, error);
    } finally {
      submit.disabled = false;
    }
  });
}
`;

function renderGroups(groups: QuestionGroup[], prefix: string, empty: string, csrfToken: string, sources: ReadonlyMap<string, SourceDoc>): string {
  if (groups.length === 0) return `<p class="muted">${escapeHtml(empty)}</p>`;
  return groups
    .map((group, position) => {
      const id = `${prefix}-${position}`;
      const when = new Date(group.lastAskedAt).toISOString().slice(0, 16).replace("T", " ");
      return `<div class="question" data-group-key="${escapeHtml(group.groupKey)}">
<div class="row"><span class="count" title="提问次数">${group.count}</span><span class="text">${escapeHtml(group.text)}</span></div>
<div class="muted">最近 ${escapeHtml(when)} UTC · ${escapeHtml(group.platforms.join("、"))} · 未回答 ${group.noAnswerCount} 次 · 有用 ${group.upvotes} 没用 ${group.downvotes}${
        group.topSource ? ` · 引用 ${sourceNameHtml(group.topSource, sources)}` : ""
      }</div>
${
  // Small talk is answered with the introduction, never from a source: it can only be dismissed.
  isChitChatMessage(group.text) ? "" : `<button type="button" class="secondary open-answer" data-form="form-${id}">回答这个问题</button> `
}<form method="post" action="/admin/queue/dismiss" class="inline dismiss"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrfToken)}"><input type="hidden" name="groupKey" value="${escapeHtml(group.groupKey)}"><button type="submit" class="danger">移出队列</button></form>
<form class="answer" id="form-${id}" hidden>
<input type="hidden" name="question" value="${escapeHtml(group.text)}">
<label for="answer-${id}">回答</label><textarea id="answer-${id}" name="answer" required></textarea>
<label for="title-${id}">标题（可选，默认用问题）</label><input type="text" id="title-${id}" name="title">
<p><button type="submit">保存并重新索引</button></p>
<div class="preview" aria-live="polite"></div>
</form>
</div>`;
    })
    .join("\n");
}

/** One expandable entry per missing subject, with its count and its questions. */
function renderSubjects(subjects: MissingSubjectGroup[], csrfToken: string, sources: ReadonlyMap<string, SourceDoc>): string {
  if (subjects.length === 0) return `<p class="muted">最近没有按缺少内容归类的问题。</p>`;
  return subjects
    .map(
      (subject, position) => `<details class="subject" data-subject="${escapeHtml(subject.subject)}">
<summary><span class="count" title="提问次数">${subject.count}</span> ${escapeHtml(subject.subject)}</summary>
${renderGroups(subject.questions, `subject-${position}`, "", csrfToken, sources)}
</details>`,
    )
    .join("\n");
}

export function mountQueuePage(app: Hono, bot: ServedBot, store: StateStore | undefined): void {
  app.get("/admin/queue", async (context) => {
    const { csrfToken } = adminSessionOf(context);
    const [unanswered, downvoted] = store
      ? await Promise.all([
          store.listQuestions({ filter: "unanswered", days: QUEUE_DAYS, limit: MISSING_SUBJECT_SCAN_LIMIT }),
          store.listQuestions({ filter: "downvoted", days: QUEUE_DAYS, limit: QUEUE_LIMIT }),
        ])
      : [[], []];
    const { bySubject, withoutSubject } = groupByMissingSubject(unanswered);
    const sources = bot.current.sources;
    const body = `<section class="card" id="missing-subjects"><h2>知识库缺少的内容（${QUEUE_DAYS} 天）</h2>
<p class="muted">这些问题属于知识库的范围，但还没有资料讲到这个主题：写好相应内容，上传后重新索引。</p>
${renderSubjects(bySubject, csrfToken, sources)}</section>
<section class="card" id="unanswered"><h2>没有答上来的问题（${QUEUE_DAYS} 天）</h2>
${renderGroups(withoutSubject.slice(0, QUEUE_LIMIT), "unanswered", "最近没有答不上来的问题。", csrfToken, sources)}</section>
<section class="card" id="downvoted"><h2>被点踩的回答</h2>
${renderGroups(downvoted, "downvoted", "最近没有被点踩的回答。", csrfToken, sources)}</section>
<p class="muted">导出：<a href="/api/admin/questions.csv?filter=unanswered&amp;days=${QUEUE_DAYS}">未回答（CSV）</a> · <a href="/api/admin/questions.csv?filter=all&amp;days=${QUEUE_DAYS}">全部（CSV）</a></p>`;
    const script = `const CSRF_TOKEN = ${jsonForScript(csrfToken)};\n${ADMIN_SCRIPT_HELPERS}${QUEUE_SCRIPT}`;
    return sendAdminPage(context, { title: "待回答", active: "queue", body, csrfToken, css: QUEUE_CSS, script });
  });

  app.post("/admin/queue/dismiss", async (context) => {
    const form = await context.req.parseBody();
    const groupKey = typeof form.groupKey === "string" ? form.groupKey : "";
    if (!store || groupKey === "") return context.text("groupKey is required", 400);
    const dismissed = await store.dismissQuestion(groupKey, Date.now());
    if (!dismissed) return context.text("No such question in the log; reload the queue.", 404);
    noteForLog(context, { adminDismissed: true });
    return context.redirect("/admin/queue", 303);
  });

  app.post("/admin/queue/preview", async (context) => {
    const body = (await context.req.json().catch(() => ({}))) as { question?: unknown };
    const question = typeof body.question === "string" ? body.question.trim() : "";
    if (!question || [...question].length > MAX_PREVIEW_CHARS) {
      return jsonError(context, 400, "QUERY_INVALID", `question is required text of up to ${MAX_PREVIEW_CHARS} characters.`, 'Send {"question": "..."}.');
    }
    // Straight to the bot, not the responder: a check by the admin is not a question to log.
    const answer = await bot.answer({ text: question, platform: "web" });
    return context.json(answerToJson(answer));
  });
}
