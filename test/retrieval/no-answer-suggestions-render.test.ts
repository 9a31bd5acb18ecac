/** A no-answer with suggestions is shown as such on Telegram and WeCom: the not-covered text, the suggestions heading, no sources, no disclaimer. */
import { describe, expect, it } from "vitest";
import { renderAnswer } from "../../adapters/telegram/render-reply.js";
import { renderAnswerMarkdown } from "../../adapters/wecom/render-reply.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { NO_ANSWER_TEXTS, noAnswerReply } from "../../src/retrieval/no-answer-reply.js";

const suggestions = [
  { sourceId: "nursing-cold-medicine", title: "哺乳期能吃感冒药吗", url: "https://kb.example.org/kb/nursing-cold-medicine" },
  { sourceId: "exam-fasting", title: "体检前需要空腹吗", url: "https://kb.example.org/kb/exam-fasting" },
];

describe("a no-answer with suggestions", () => {
  it("on Telegram lists them under the suggestions heading, with no source list, buttons or disclaimer", () => {
    const { html, keyboard } = renderAnswer(noAnswerReply(suggestions));
    expect(html).toContain(NO_ANSWER_TEXTS.notCovered);
    expect(html).toContain(REPLY_TEXTS.suggestionsHeading);
    expect(html).toContain('<a href="https://kb.example.org/kb/exam-fasting">体检前需要空腹吗</a>');
    expect(html).not.toContain(REPLY_TEXTS.sourcesHeading);
    expect(html).not.toContain(REPLY_TEXTS.relatedHeading);
    expect(html).not.toContain("⚠️");
    expect(keyboard).toEqual([]);
  });

  it("on WeCom lists them under the suggestions heading, with no source list or disclaimer", () => {
    const markdown = renderAnswerMarkdown(noAnswerReply(suggestions));
    expect(markdown).toContain(NO_ANSWER_TEXTS.notCovered);
    expect(markdown).toContain(`**${REPLY_TEXTS.suggestionsHeading}**\n- [哺乳期能吃感冒药吗](https://kb.example.org/kb/nursing-cold-medicine)`);
    expect(markdown).not.toContain(REPLY_TEXTS.sourcesHeading);
    expect(markdown).not.toContain("⚠️");
  });

  it("without suggestions is the plain no-answer on both", () => {
    const answer = noAnswerReply();
    expect(answer.text).toBe(NO_ANSWER_TEXTS.notFound);
    expect(renderAnswer(answer).html).not.toContain(REPLY_TEXTS.suggestionsHeading);
    expect(renderAnswerMarkdown(answer)).not.toContain(REPLY_TEXTS.suggestionsHeading);
  });
});
