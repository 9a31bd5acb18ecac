/**
 * `/admin/documents`: the knowledge folder's files with how many sources each gave and the
 * problems the last re-index found in them; upload a file (any format the loader reads, at most
 * MAX_UPLOAD_BYTES), delete one, re-index with progress, and the re-index history.
 * An upload or a delete starts a re-index at once, so the change goes live.
 */
import type { Context, Hono } from "hono";
import type { AppConfig } from "../../config.js";
import { isKnowledgeBotError } from "../../core/errors.js";
import { supportedExtensions } from "../../ingest/load-knowledge.js";
import { escapeHtml, jsonForScript } from "../escape-html.js";
import { noteForLog } from "../request-log.js";
import type { ServedBot } from "../served-bot.js";
import { ADMIN_SCRIPT_HELPERS, sendAdminPage } from "./admin-layout.js";
import { adminSessionOf } from "./admin-session.js";
import { CSRF_FIELD } from "./csrf.js";
import { HUMAN_DURATION_SCRIPT } from "./human-duration.js";
import { deleteKnowledgeFile, listKnowledgeFiles, writeUpload } from "./knowledge-files.js";
import type { ReindexHistory, ReindexStatus } from "./reindex-history.js";
import { readForm } from "../read-form.js";

const DOCUMENTS_CSS = `
td.problem{color:#b42318}
form.inline{display:inline;margin:0}
#reindex-progress{margin:8px 0}
`;

const DOCUMENTS_SCRIPT =
  HUMAN_DURATION_SCRIPT +
  String.raw`
function when(ms) { return new Date(ms).toISOString().slice(0, 19).replace("T", " "); }
const REINDEX_STEPS = { reading: "读取文件", segmenting: "分词", embedding: "向量化", keywords: "关键词索引", graph: "向量图", files: "写入文件", checksums: "校验", publishing: "发布" };
const REINDEX_PHASES = { loading: "读取", embedding: "向量化", writing: "写入" };
/** The running re-index (started here, or elsewhere in this process) as one line: step, count, time. */
function progressText(status) {
  if (!status.running && !status.progress) return "";
  const parts = [];
  const progress = status.progress;
  if (progress) parts.push((REINDEX_STEPS[progress.step] || REINDEX_PHASES[progress.phase] || progress.phase) + (progress.total > 1 ? " " + progress.done + "/" + progress.total : ""));
  if (status.running) parts.push("已用 " + Math.round((Date.now() - status.running.startedAt) / 1000) + " 秒");
  return "正在重新索引…" + parts.join(" · ");
}
function renderStatus(status) {
  $("reindex-progress").textContent = progressText(status);
  $("reindex-button").disabled = Boolean(status.running || status.progress);
  const rows = status.history.map((run) => element("tr", {}, [
    element("td", { textContent: when(run.finishedAt) }),
    element("td", { textContent: (run.ok ? "完成" : "失败") + (run.reason ? "（" + run.reason + "）" : "") }),
    element("td", { className: "break", textContent: run.summary ? "版本 " + run.summary.version + " · 新增 " + run.summary.added.length + " · 修改 " + run.summary.changed.length + " · 删除 " + run.summary.removed.length + " · 问题 " + run.summary.errors.length + " · 用时 " + humanDuration(run.summary.durationMs) : (run.error || "") }),
  ]));
  $("history-rows").replaceChildren(...rows);
}
async function poll() {
  const status = await callJson("GET", "/admin/documents/reindex-status");
  renderStatus(status);
  if (status.running || status.progress) setTimeout(poll, 1000);
}
$("reindex-button").addEventListener("click", async () => {
  $("reindex-button").disabled = true;
  try {
    renderStatus(await callJson("POST", "/admin/documents/reindex"));
    poll();
  } catch (error) {
    showError($("reindex-progress"), error);
    $("reindex-button").disabled = false;
  }
});
for (const form of document.querySelectorAll("form.delete")) {
  form.addEventListener("submit", (event) => {
    if (!confirm("删除 " + form.elements.file.value + "？")) event.preventDefault();
  });
}
renderStatus(INITIAL_STATUS);
if (INITIAL_STATUS.running || INITIAL_STATUS.progress) setTimeout(poll, 1000);
`;

/** The route of the upload form; its body limit is MAX_UPLOAD_BYTES (set before the session check reads the form). */
export const UPLOAD_PATH = "/admin/documents/upload";

export function mountDocumentsPage(app: Hono, bot: ServedBot, config: AppConfig, history: ReindexHistory): void {
  async function page(context: Context, message?: { text: string; ok: boolean }, status: 200 | 400 = 200): Promise<Response> {
    const { csrfToken } = adminSessionOf(context);
    const sourcesByFile = new Map<string, number>();
    for (const source of bot.current.sources.values()) sourcesByFile.set(source.file, (sourcesByFile.get(source.file) ?? 0) + 1);
    const problems = await history.lastProblems();
    const files = await listKnowledgeFiles(config.knowledgeDir);
    const listed = new Set(files.map((entry) => entry.file));
    // Indexed files gone from disk still show until the next re-index drops them.
    for (const file of sourcesByFile.keys()) if (!listed.has(file)) files.push({ file, bytes: 0 });
    const rows = files
      .map(({ file, bytes }) => {
        const fileProblems = problems.get(file) ?? [];
        const problemText = fileProblems.map((problem) => `${problem.code}${problem.line ? `（第 ${problem.line} 行）` : ""}：${problem.message}`).join("；");
        return `<tr><td class="break">${escapeHtml(file)}</td><td>${sourcesByFile.get(file) ?? 0}</td><td>${Math.ceil(bytes / 1024)} KB</td><td class="problem break">${escapeHtml(problemText)}</td>
<td><form method="post" action="/admin/documents/delete" class="inline delete"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrfToken)}"><input type="hidden" name="file" value="${escapeHtml(file)}"><button type="submit" class="danger">删除</button></form></td></tr>`;
      })
      .join("\n");
    const body = `${message ? `<p class="${message.ok ? "notice" : "error"}" role="status" id="documents-message">${escapeHtml(message.text)}</p>` : ""}
<section class="card"><h2>上传文件</h2>
<form method="post" action="/admin/documents/upload" enctype="multipart/form-data" id="upload-form">
<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrfToken)}">
<input type="file" name="file" id="upload-file" required accept="${escapeHtml(supportedExtensions().join(","))}">
<p><button type="submit" id="upload-button">上传并重新索引</button></p>
<p class="muted">支持 ${escapeHtml(supportedExtensions().join(" "))}；最大 ${Math.floor(config.maxUploadBytes / 1024 / 1024)} MB。</p>
</form></section>
<section class="card"><h2>重新索引</h2><div class="row"><button type="button" id="reindex-button">重新索引</button><span id="reindex-progress" aria-live="polite"></span></div>
<h2 style="margin-top:12px">${history.persisted ? "索引历史" : "索引历史（本次启动以来）"}</h2><div class="table-wrap"><table><thead><tr><th>完成时间 UTC</th><th>结果</th><th>内容</th></tr></thead><tbody id="history-rows"></tbody></table></div></section>
<section class="card"><h2>知识库文件（${files.length}）</h2><p class="muted">知识库版本 ${escapeHtml(bot.current.version)} · ${bot.current.sources.size} 条来源。"问题"来自上一次重新索引。</p>
<div class="table-wrap"><table id="files-table"><thead><tr><th>文件</th><th>来源</th><th>大小</th><th>问题</th><th></th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
    const script = `const CSRF_TOKEN = ${jsonForScript(csrfToken)};\nconst INITIAL_STATUS = ${jsonForScript(await history.status())};\n${ADMIN_SCRIPT_HELPERS}${DOCUMENTS_SCRIPT}`;
    return sendAdminPage(context, { title: "文档", active: "documents", body, csrfToken, css: DOCUMENTS_CSS, script }, status);
  }

  app.get("/admin/documents", (context) => page(context));

  app.post("/admin/documents/upload", async (context) => {
    const form = await readForm(context);
    const file = form.file;
    if (!(file instanceof File)) return page(context, { text: "请选择一个文件。", ok: false }, 400);
    try {
      const written = await writeUpload(config.knowledgeDir, file.name, new Uint8Array(await file.arrayBuffer()), config.maxUploadBytes);
      noteForLog(context, { adminUpload: written, bytes: file.size });
      history.start(`上传 ${written}`);
      return page(context, { text: `已上传 ${written}，正在重新索引。`, ok: true });
    } catch (error) {
      if (isKnowledgeBotError(error)) return page(context, { text: `${error.message} ${error.hint}`, ok: false }, 400);
      throw error;
    }
  });

  app.post("/admin/documents/delete", async (context) => {
    const form = await readForm(context);
    const file = typeof form.file === "string" ? form.file : "";
    try {
      await deleteKnowledgeFile(config.knowledgeDir, file);
      noteForLog(context, { adminDelete: file });
      history.start(`删除 ${file}`);
      return page(context, { text: `已删除 ${file}，正在重新索引。`, ok: true });
    } catch (error) {
      if (isKnowledgeBotError(error)) return page(context, { text: `${error.message} ${error.hint}`, ok: false }, 400);
      throw error;
    }
  });

  app.post("/admin/documents/reindex", async (context) => {
    history.start("手动重新索引");
    return context.json((await history.status()) satisfies ReindexStatus);
  });

  app.get("/admin/documents/reindex-status", async (context) => context.json(await history.status()));
}
