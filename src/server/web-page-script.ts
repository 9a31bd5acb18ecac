/**
 * The web page's browser script, kept as plain JavaScript text. It builds every node with
 * `textContent`, never `innerHTML`, so answer text and titles cannot inject markup.
 */
export const WEB_PAGE_SCRIPT = String.raw`
"use strict";
const $ = (id) => document.getElementById(id);
function element(tag, properties, children) {
  const node = document.createElement(tag);
  Object.assign(node, properties || {});
  for (const child of children || []) node.append(child);
  return node;
}
// Links to this bot's own source pages open on the host the page was loaded from.
function localLink(url) {
  const base = SETTINGS.publicBaseUrl + "/kb/";
  return url.startsWith(base) ? url.slice(SETTINGS.publicBaseUrl.length) : url;
}
async function postJson(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || { message: "请求失败（HTTP " + response.status + "）", hint: "请稍后再试。" };
    throw Object.assign(new Error(error.message), { hint: error.hint });
  }
  return data;
}
function showError(target, error) {
  target.replaceChildren(element("div", { className: "error", textContent: error.message + (error.hint ? " " + error.hint : "") }));
}
function paragraphWithCitations(text, citations) {
  const paragraph = element("p");
  const byNumber = new Map(citations.map((citation) => [String(citation.n), citation]));
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const citation = byNumber.get(match[1]);
    if (!citation) continue;
    paragraph.append(text.slice(last, match.index));
    paragraph.append(element("a", { className: "cite", href: localLink(citation.url), textContent: match[0], title: citation.title }));
    last = match.index + match[0].length;
  }
  paragraph.append(text.slice(last));
  return paragraph;
}
function renderAnswer(answer) {
  const target = $("answer");
  const text = element("div", { className: "answer-text" });
  for (const part of answer.text.split(/\n{2,}/)) {
    const paragraph = paragraphWithCitations(part, answer.citations);
    if (answer.disclaimer && part.trim() === SETTINGS.disclaimer) paragraph.className = "disclaimer";
    if (answer.noAnswer) paragraph.className = "no-answer";
    text.append(paragraph);
  }
  target.replaceChildren(text);
  if (answer.citations.length > 0) {
    const list = element("ol", { className: "sources" });
    for (const citation of answer.citations) {
      list.append(element("li", { id: "source-" + citation.n }, ["[" + citation.n + "] ", element("a", { href: localLink(citation.url), textContent: citation.title })]));
    }
    target.append(element("h2", { textContent: "来源" }), list);
  }
  if (answer.related.length > 0) {
    const related = element("div", { className: "related" });
    for (const item of answer.related) related.append(askButton(item.title));
    target.append(element("h2", { textContent: "相关推荐" }), related);
  }
}
function askButton(question) {
  const button = element("button", { type: "button", className: "chip", textContent: question });
  button.addEventListener("click", () => ask(question));
  return button;
}
async function ask(question) {
  $("question").value = question;
  $("ask-button").disabled = true;
  $("answer").replaceChildren(element("p", { className: "muted", textContent: "正在查找……" }));
  try {
    renderAnswer(await postJson("/api/ask", { question }));
  } catch (error) {
    showError($("answer"), error);
  } finally {
    $("ask-button").disabled = false;
  }
}
function renderHits(result) {
  const target = $("hits");
  const confidence = result.confidence;
  target.replaceChildren(element("div", { className: "confidence", textContent:
    "领域相关度 " + confidence.domainSpecificity.toFixed(2) + " · 关键词覆盖率 " + confidence.keywordCoverage.toFixed(3) + " · 向量相似度 " + confidence.denseSimilarity.toFixed(3) +
    " · " + (result.noAnswer ? "判定：无答案" : "判定：可以回答") }));
  if (result.hits.length === 0) target.append(element("p", { className: "muted", textContent: "没有命中任何段落。" }));
  result.hits.forEach((hit, position) => {
    const head = element("div", { className: "hit-head" }, [
      element("span", {}, [(position + 1) + ". ", element("a", { href: localLink(hit.url), textContent: hit.title })]),
      element("span", { className: "score", textContent: "分数 " + hit.score.toFixed(4) }),
    ]);
    const block = element("div", { className: "hit" }, [head]);
    for (const passage of hit.passages) {
      block.append(element("p", { className: "passage", textContent: "#" + passage.chunkIndex + " · " + passage.score.toFixed(4) + "\n" + passage.text }));
    }
    target.append(block);
  });
}
$("ask-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (question) ask(question);
});
$("question").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("ask-form").requestSubmit();
  }
});
$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("search-button").disabled = true;
  try {
    renderHits(await postJson("/api/search", { question: $("search-question").value, limit: Number($("search-limit").value) || 5 }));
  } catch (error) {
    showError($("hits"), error);
  } finally {
    $("search-button").disabled = false;
  }
});
for (const question of SETTINGS.exampleQuestions) $("examples").append(askButton(question));
fetch("/healthz").then((response) => response.json()).then((health) => {
  $("index-status").textContent = "知识库版本 " + health.index.version + " · " + health.index.sources + " 条来源 · " + health.index.chunks + " 个段落";
}).catch(() => undefined);
`;
