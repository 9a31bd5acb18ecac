/**
 * `/admin/synonyms` (同义词): the shipped synonym groups, read-only, and the admin's own
 * `synonyms.txt` at the root of the knowledge folder in a text box. Saving checks the text with the
 * same parser the index build uses (parseSynonyms) and refuses a file with any bad line, naming each
 * by number, or one over the size limit; a good file replaces the old one in one step. Retrieval
 * reads the list at the next re-index, which the page offers to start.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Context, Hono } from "hono";
import type { AppConfig } from "../../config.js";
import { DEFAULT_SYNONYMS } from "../../text/default-synonyms.js";
import { parseSynonyms, SYNONYM_LIMITS, SYNONYMS_FILE_NAME, type SynonymProblem } from "../../text/synonyms.js";
import { escapeHtml } from "../escape-html.js";
import { noteForLog } from "../request-log.js";
import { sendAdminPage } from "./admin-layout.js";
import { adminSessionOf } from "./admin-session.js";
import { CSRF_FIELD } from "./csrf.js";
import { replaceKnowledgeFile } from "./knowledge-files.js";
import type { ReindexHistory } from "./reindex-history.js";
import { readForm } from "../read-form.js";

/** The route of the save form; its body limit fits a file of SYNONYM_LIMITS.maxBytes, URL-encoded (set before the session check reads the form). */
export const SYNONYMS_PATH = "/admin/synonyms";
/** The form's field for the file's text. */
const TEXT_FIELD = "synonyms";
/** Bad lines listed on the page; the count says how many more there are. */
const MAX_LISTED_PROBLEMS = 50;

const SYNONYMS_CSS = `
textarea#synonyms-text{min-height:320px;font-family:ui-monospace,monospace}
.groups{columns:16em auto;column-gap:24px;font-size:14px;margin:0;padding-left:18px}
.groups li{break-inside:avoid;overflow-wrap:anywhere}
.problems li{overflow-wrap:anywhere}
`;

interface PageMessage {
  text: string;
  ok: boolean;
  problems?: SynonymProblem[];
}

/** The shipped groups, parsed once: they change only with a new release. */
let shippedGroups: string[][] | undefined;

export function mountSynonymsPage(app: Hono, config: AppConfig, history: ReindexHistory): void {
  const file = path.join(config.knowledgeDir, SYNONYMS_FILE_NAME);

  async function page(context: Context, message?: PageMessage, submitted?: string, status: 200 | 400 = 200): Promise<Response> {
    const { csrfToken } = adminSessionOf(context);
    const text = submitted ?? (await readAdminSynonyms(file));
    shippedGroups ??= parseSynonyms(DEFAULT_SYNONYMS).groups;
    const hidden = `<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrfToken)}">`;
    const body = `${message ? renderMessage(message) : ""}
<section class="card"><h2>我的同义词（${escapeHtml(SYNONYMS_FILE_NAME)}）</h2>
<p class="muted">每行一组意思相同的词，用空格、/、逗号或顿号隔开，例如“停掉 停止 停保”；# 开头的行是注释。每个词最多 ${SYNONYM_LIMITS.maxWordCharacters} 个字，每组 2 到 ${SYNONYM_LIMITS.maxWordsPerGroup} 个词。搜索和“是否讲到”的判断都会用到这些词。</p>
<form method="post" action="${SYNONYMS_PATH}" id="synonyms-form">${hidden}
<label for="synonyms-text">同义词文件（知识库根目录下的 ${escapeHtml(SYNONYMS_FILE_NAME)}）</label>
<textarea id="synonyms-text" name="${TEXT_FIELD}" spellcheck="false">${escapeHtml(text)}</textarea>
<p><button type="submit" id="synonyms-save">保存</button></p>
</form>
<p class="muted">保存后在下一次重新索引时生效。</p>
<form method="post" action="${SYNONYMS_PATH}/reindex" id="synonyms-reindex">${hidden}<button type="submit" class="secondary">现在重新索引</button></form>
</section>
<section class="card"><h2>内置的同义词（${shippedGroups.length} 组，只读）</h2>
<ul class="groups">${shippedGroups.map((group) => `<li>${escapeHtml(group.join(" / "))}</li>`).join("")}</ul></section>`;
    return sendAdminPage(context, { title: "同义词", active: "synonyms", body, csrfToken, css: SYNONYMS_CSS }, status);
  }

  app.get(SYNONYMS_PATH, (context) => page(context));

  app.post(SYNONYMS_PATH, async (context) => {
    const form = await readForm(context);
    const text = typeof form[TEXT_FIELD] === "string" ? (form[TEXT_FIELD] as string) : "";
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > SYNONYM_LIMITS.maxBytes) {
      return page(context, { text: `文件有 ${bytes} 字节，超过上限 ${SYNONYM_LIMITS.maxBytes} 字节，没有保存。`, ok: false }, text, 400);
    }
    const { groups, problems } = parseSynonyms(text);
    if (problems.length > 0) {
      // Saved as it is, the bad lines would be skipped silently at the next re-index: refuse instead.
      return page(context, { text: `有 ${problems.length} 行有问题，没有保存。请改正后再保存：`, ok: false, problems }, text, 400);
    }
    await replaceKnowledgeFile(config.knowledgeDir, SYNONYMS_FILE_NAME, text);
    noteForLog(context, { adminSynonyms: groups.length });
    return page(context, { text: `已保存 ${groups.length} 组同义词。下一次重新索引后生效。`, ok: true });
  });

  app.post(`${SYNONYMS_PATH}/reindex`, (context) => {
    history.start("同义词");
    return page(context, { text: "已开始重新索引；完成后新的同义词生效（进度见“文档”页）。", ok: true });
  });
}

/** The admin's file as it is now; empty when there is none yet. */
async function readAdminSynonyms(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}

function renderMessage(message: PageMessage): string {
  const problems = message.problems ?? [];
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((problem) => `<li>第 ${problem.line} 行：${escapeHtml(problem.message)}</li>`)
    .join("");
  const more = problems.length > MAX_LISTED_PROBLEMS ? `<p>另有 ${problems.length - MAX_LISTED_PROBLEMS} 行有问题。</p>` : "";
  return `<div class="${message.ok ? "notice" : "error"}" role="status" id="synonyms-message"><p>${escapeHtml(message.text)}</p>${
    listed ? `<ul class="problems">${listed}</ul>${more}` : ""
  }</div>`;
}
