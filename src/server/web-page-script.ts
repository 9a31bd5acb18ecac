/**
 * The web page's browser script, kept as plain JavaScript text. It builds every node with
 * `textContent`, never `innerHTML`, so answer text and titles cannot inject markup. It renders the
 * answer's structure (paragraphs, citation numbers, the disclaimer flag) and keeps the tab's
 * conversation id so follow-up questions are understood. Under each answer, 👍 有用 / 👎 没用 post feedback.
 */
import { BROWSER_SCRIPT_HELPERS } from "./browser-script-helpers.js";

export const WEB_PAGE_SCRIPT =
  BROWSER_SCRIPT_HELPERS +
  String.raw`
// Links to this bot's own source pages open on the host the page was loaded from.
function localLink(url) {
  const base = SETTINGS.publicBaseUrl + "/kb/";
  return url.startsWith(base) ? url.slice(SETTINGS.publicBaseUrl.length) : url;
}
function postJson(path, body) {
  return requestJson("POST", path, body);
}
// The page speaks the answer's structure: paragraphs with the citation numbers each rests on, the
// disclaimer flag, related sources; it never re-reads the plain text built for API users.
function renderParagraph(paragraph, byNumber, className) {
  const node = element("p", { className: className || "" }, [paragraph.text]);
  for (const n of paragraph.citations) {
    const citation = byNumber.get(n);
    node.append(citation ? element("a", { className: "cite", href: localLink(citation.url), textContent: "[" + n + "]", title: citation.title }) : "[" + n + "]");
  }
  return node;
}
function renderAnswer(answer) {
  const target = $("answer");
  const byNumber = new Map(answer.citations.map((citation) => [citation.n, citation]));
  const text = element("div", { className: "answer-text" });
  if (answer.understoodAs) text.append(element("p", { className: "understood-as", textContent: SETTINGS.texts.understoodAs[0] + answer.understoodAs + SETTINGS.texts.understoodAs[1] }));
  for (const paragraph of answer.paragraphs) text.append(renderParagraph(paragraph, byNumber, answer.noAnswer ? "no-answer" : ""));
  if (answer.disclaimer) text.append(element("p", { className: "disclaimer", textContent: SETTINGS.disclaimer }));
  target.replaceChildren(text);
  if (answer.citations.length > 0) {
    const list = element("ol", { className: "sources" });
    for (const citation of answer.citations) {
      list.append(element("li", { id: "source-" + citation.n }, ["[" + citation.n + "] ", element("a", { href: localLink(citation.url), textContent: citation.title })]));
    }
    target.append(element("h2", { textContent: SETTINGS.texts.sourcesHeading }), list);
  }
  if (answer.related.length > 0) {
    const related = element("div", { className: "related" });
    for (const item of answer.related) related.append(askButton(item.title));
    const heading = answer.noAnswer ? SETTINGS.texts.suggestionsHeading : SETTINGS.texts.relatedHeading;
    target.append(element("h2", { textContent: heading }), related);
  }
  if (SETTINGS.feedback && answer.answerId) target.append(feedbackButtons(answer.answerId));
}
// 👍 有用 / 👎 没用 under an answer; a second press changes the vote, as in the chat apps. The words
// stay readable where the font has no emoji.
function feedbackButtons(answerId) {
  const status = element("span", { className: "muted feedback-status" });
  const vote = async (rating, pressed, other) => {
    try {
      await postJson("/api/feedback", { answerId, rating });
      pressed.setAttribute("aria-pressed", "true");
      other.setAttribute("aria-pressed", "false");
      status.textContent = SETTINGS.texts.feedbackThanks;
    } catch (error) {
      status.textContent = error.message;
    }
  };
  const up = element("button", { type: "button", className: "chip vote", textContent: "👍 有用", title: "有用" });
  const down = element("button", { type: "button", className: "chip vote", textContent: "👎 没用", title: "没用" });
  up.setAttribute("aria-pressed", "false");
  down.setAttribute("aria-pressed", "false");
  up.addEventListener("click", () => vote("up", up, down));
  down.addEventListener("click", () => vote("down", down, up));
  return element("div", { className: "feedback" }, [up, down, status]);
}
function askButton(question) {
  const button = element("button", { type: "button", className: "chip", textContent: question });
  button.addEventListener("click", () => ask(question));
  return button;
}
// One conversation per browser tab: sessionStorage is per tab and survives a reload, so follow-ups
// keep their context until 新对话 drops the id (or the server's idle expiry forgets it).
const CONVERSATION_KEY = "kb-conversation-id";
function conversationId() {
  try { return sessionStorage.getItem(CONVERSATION_KEY) || undefined; } catch { return undefined; }
}
function keepConversationId(id) {
  try { if (typeof id === "string" && id) sessionStorage.setItem(CONVERSATION_KEY, id); } catch { /* storage off: each question stands alone */ }
}
function startNewConversation() {
  try { sessionStorage.removeItem(CONVERSATION_KEY); } catch { /* nothing kept */ }
  $("answer").replaceChildren();
  $("question").value = "";
  $("question").focus();
}
async function ask(question) {
  $("question").value = question;
  $("ask-button").disabled = true;
  $("answer").replaceChildren(element("p", { className: "muted", textContent: SETTINGS.texts.searching }));
  try {
    const body = { question };
    const id = conversationId();
    if (id) body.conversationId = id;
    const answer = await postJson("/api/ask", body);
    keepConversationId(answer.conversationId);
    renderAnswer(answer);
  } catch (error) {
    showError($("answer"), error);
  } finally {
    $("ask-button").disabled = false;
  }
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
$("new-conversation").addEventListener("click", startNewConversation);
for (const question of SETTINGS.exampleQuestions) $("examples").append(askButton(question));
fetch("/healthz").then((response) => response.json()).then((health) => {
  $("index-status").textContent = "知识库版本 " + health.index.version + " · " + health.index.sources + " 条来源 · " + health.index.chunks + " 个段落";
}).catch(() => undefined);
`;
