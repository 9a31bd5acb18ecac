/**
 * `GET /`: ask a question and read the reply exactly as composed — paragraphs with clickable `[n]`
 * citations, the source list, the disclaimer, related questions, and how a follow-up was
 * understood. One conversation per browser tab; 新对话 starts over. Hit testing is in the admin
 * console (/admin/hit-testing), not here.
 */
import { REPLY_TEXTS } from "../conversation/reply-texts.js";
import { MEDICAL_DISCLAIMER } from "../core/medical-disclaimer.js";
import { escapeHtml, jsonForScript } from "./escape-html.js";
import { renderPage } from "./page-layout.js";
import { WEB_PAGE_SCRIPT } from "./web-page-script.js";

export interface WebPageSettings {
  publicBaseUrl: string;
  maxQuestionChars: number;
  exampleQuestions: string[];
  scriptNonce: string;
  /** Whether answers carry 👍 / 👎: only while the question log keeps the answers votes refer to. */
  feedback: boolean;
}

const WEB_PAGE_CSS = `
form.ask{display:flex;gap:8px}
form.ask textarea{flex:1;min-height:48px;resize:vertical;font:inherit;padding:10px 12px;border:1px solid #cfd4dc;border-radius:8px;background:#fff}
form.ask textarea:focus{outline:2px solid #9ec1ff;border-color:#5b8def}
button{font:inherit;cursor:pointer;border-radius:8px;border:1px solid #1a5fd0;background:#1a5fd0;color:#fff;padding:8px 18px}
button:disabled{opacity:.6;cursor:progress}
button.chip{background:#eef3fd;color:#1a5fd0;border-color:#cddcf7;padding:3px 12px;font-size:14px;margin:4px 6px 0 0;border-radius:999px;text-align:left}
.examples{margin-top:8px}
.ask-actions{display:flex;flex-direction:column;gap:6px}
button.secondary{background:#fff;color:#1a5fd0;border-color:#cddcf7;padding:6px 12px;font-size:14px}
.answer-text p.understood-as{color:#5f6368;font-size:14px;margin:0 0 8px;padding-left:10px;border-left:3px solid #cddcf7}
#answer:empty{display:none}
.answer-text p{margin:0 0 12px;white-space:pre-line}
a.cite{text-decoration:none;font-weight:600;padding:0 1px}
.answer-text p.disclaimer{background:#fff4e5;border:1px solid #f5c98b;color:#8a4b00;border-radius:8px;padding:8px 12px}
.no-answer{color:#5f6368}
h2{font-size:16px;margin:16px 0 6px}
ol.sources{margin:0;padding-left:0;list-style:none}
ol.sources li{margin:4px 0}
.error{color:#b42318;background:#fef3f2;border:1px solid #fecdca;border-radius:8px;padding:10px 12px}
footer{margin-top:24px}
.feedback{display:flex;gap:8px;align-items:center;margin-top:12px}
.vote[aria-pressed="true"]{border-color:#1a73e8;background:#e8f0fe}
`;

export function renderWebPage(settings: WebPageSettings): string {
  const clientSettings = {
    publicBaseUrl: settings.publicBaseUrl,
    disclaimer: MEDICAL_DISCLAIMER,
    texts: {
      sourcesHeading: REPLY_TEXTS.sourcesHeading,
      relatedHeading: REPLY_TEXTS.relatedHeading,
      suggestionsHeading: REPLY_TEXTS.suggestionsHeading,
      searching: REPLY_TEXTS.searching,
      feedbackThanks: REPLY_TEXTS.feedbackThanks,
      // The page fills in the question itself: the text around it, split where it goes.
      understoodAs: REPLY_TEXTS.understoodAs("\u0000").split("\u0000"),
    },
    maxQuestionChars: settings.maxQuestionChars,
    feedback: settings.feedback,
    exampleQuestions: settings.exampleQuestions,
  };
  const body = `<main>
<header class="top"><h1>知识库问答</h1><a href="/healthz">服务状态</a></header>
<section class="card">
<form class="ask" id="ask-form">
<label for="question" hidden>问题</label>
<textarea id="question" name="question" rows="2" maxlength="${settings.maxQuestionChars}" placeholder="输入问题，例如：${escapeHtml(settings.exampleQuestions[0] ?? "医保怎么报销")}" required></textarea>
<div class="ask-actions">
<button type="submit" id="ask-button">提问</button>
<button type="button" id="new-conversation" class="secondary">${escapeHtml(REPLY_TEXTS.newConversationButton)}</button>
</div>
</form>
<div class="examples" id="examples"></div>
</section>
<section class="card" id="answer" aria-live="polite"></section>
<footer class="muted" id="index-status"></footer>
</main>`;
  const script = `const SETTINGS = ${jsonForScript(clientSettings)};\n${WEB_PAGE_SCRIPT}`;
  return renderPage({ title: "知识库问答", body, css: WEB_PAGE_CSS, script, scriptNonce: settings.scriptNonce });
}
