/**
 * `/admin/hit-testing` (命中测试): the ranked passages, their scores, the no-answer confidence and,
 * on a small folder, the answer model's probability for each of the best sources, for a test question, from `POST /api/search` — which needs the admin token or a console session.
 */
import type { Hono } from "hono";
import { jsonForScript } from "../escape-html.js";
import { ADMIN_SCRIPT_HELPERS, sendAdminPage } from "./admin-layout.js";
import { adminSessionOf } from "./admin-session.js";

const HIT_TESTING_CSS = `
.hit-form{display:flex;gap:8px;margin:10px 0;flex-wrap:wrap}
.hit-form input[name=question]{flex:1;min-width:0;width:100%}
.hit-form input[name=limit]{width:80px}
.confidence,.subjects{font-size:14px;margin:8px 0}
.hit{border-top:1px solid #eceff3;padding:10px 0}
.hit-head{display:flex;justify-content:space-between;gap:12px;overflow-wrap:anywhere}
.score{font-variant-numeric:tabular-nums;color:#374151;font-size:14px;white-space:nowrap}
.passage{font-size:14px;color:#374151;white-space:pre-line;margin:6px 0 0;padding-left:10px;border-left:3px solid #e3e6eb;overflow-wrap:anywhere}
`;

const HIT_TESTING_SCRIPT = String.raw`
function renderHits(result) {
  const target = $("hits");
  const confidence = result.confidence;
  target.replaceChildren(element("div", { className: "confidence", textContent:
    "领域相关度 " + confidence.domainSpecificity.toFixed(2) + " · 关键词覆盖率 " + confidence.keywordCoverage.toFixed(3) + " · 向量相似度 " + confidence.denseSimilarity.toFixed(3) +
    " · " + (result.noAnswer ? "判定：无答案" : "判定：可以回答") }));
  const foundIn = { source: "第一条资料里有", folder: "只在其他资料里", nowhere: "知识库里没有" };
  const subjects = confidence.subjects || [];
  target.append(element("div", { className: "subjects", textContent: subjects.length === 0
    ? "问题主题词：无（只有日常用词）"
    : "问题主题词：" + subjects.map((subject) => subject.word + "（" + foundIn[subject.found] + "）").join("、") +
      (result.missingSubject ? " · 缺少：「" + result.missingSubject + "」" : "") }));
  // On a small folder the answer model's probability for each of the best sources (docs/no-answer-decision.md).
  const probability = new Map((confidence.candidates || []).filter((candidate) => candidate.probability !== undefined).map((candidate) => [candidate.sourceId, candidate.probability]));
  if (result.hits.length === 0) target.append(element("p", { className: "muted", textContent: "没有命中任何段落。" }));
  result.hits.forEach((hit, position) => {
    const head = element("div", { className: "hit-head" }, [
      element("span", {}, [(position + 1) + ". ", element("a", { href: "/kb/" + encodeURIComponent(hit.sourceId), title: hit.sourceId, textContent: hit.title })]),
      element("span", { className: "score", textContent: "分数 " + hit.score.toFixed(4) + (probability.has(hit.sourceId) ? " · 回答概率 " + (probability.get(hit.sourceId) * 100).toFixed(0) + "%" : "") }),
    ]);
    const block = element("div", { className: "hit" }, [head]);
    for (const passage of hit.passages) {
      block.append(element("p", { className: "passage", textContent: "#" + passage.chunkIndex + " · " + passage.score.toFixed(4) + "\n" + passage.text }));
    }
    target.append(block);
  });
}
$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("search-button").disabled = true;
  try {
    renderHits(await callJson("POST", "/api/search", { question: $("search-question").value, limit: Number($("search-limit").value) || 5 }));
  } catch (error) {
    showError($("hits"), error);
  } finally {
    $("search-button").disabled = false;
  }
});
`;

export function mountHitTestingPage(app: Hono): void {
  app.get("/admin/hit-testing", (context) => {
    const { csrfToken } = adminSessionOf(context);
    const body = `<section class="card">
<p class="muted">查看检索到的段落、相关度分数和"无答案"判断的置信度，用来检查知识库能否答好一个问题。</p>
<form class="hit-form" id="search-form">
<input name="question" id="search-question" placeholder="测试问题" required aria-label="测试问题">
<input name="limit" id="search-limit" type="number" min="1" max="50" value="5" aria-label="返回条数">
<button type="submit" id="search-button">检索</button>
</form>
<div id="hits" aria-live="polite"></div>
</section>`;
    const script = `const CSRF_TOKEN = ${jsonForScript(csrfToken)};\n${ADMIN_SCRIPT_HELPERS}${HIT_TESTING_SCRIPT}`;
    return sendAdminPage(context, { title: "命中测试", active: "hit-testing", body, csrfToken, css: HIT_TESTING_CSS, script });
  });
}
