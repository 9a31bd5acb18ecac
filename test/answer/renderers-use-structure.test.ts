/**
 * Every renderer draws an answer's structure — paragraphs, their citation numbers, the disclaimer
 * flag — and none reads `answer.text`: given an answer whose text says something else entirely,
 * no surface shows that text, each shows the paragraphs, and the JSON rebuilds `text` from them.
 */
import { describe, expect, it } from "vitest";
import { renderAnswer as renderTelegram } from "../../adapters/telegram/render-reply.js";
import { renderAnswerMarkdown, renderAnswerMarkdownWithin, renderAnswerMessages } from "../../adapters/wecom/render-reply.js";
import { answerText } from "../../src/answer/answer-text.js";
import { answerToJson } from "../../src/answer/answer-json.js";
import { renderAnswerText } from "../../src/cli/render-answer.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import type { Answer } from "../../src/core/types.js";
import { parseTelegramHtml } from "../telegram/support/telegram-html.js";

const STALE_TEXT = `旧的文字，不该出现 [3]\n\n${MEDICAL_DISCLAIMER}`;

function answer(fields: Partial<Answer> = {}): Answer {
  return {
    paragraphs: [
      { text: "家庭共济账户可以支付近亲属的医疗费用。", citations: [1, 2] },
      { text: "亲情账户只用于展示电子凭证。", citations: [2] },
    ],
    text: STALE_TEXT,
    passages: [],
    citations: [
      { n: 1, sourceId: "a.md", title: "家庭共济", url: "https://kb.example.org/kb/a.md" },
      { n: 2, sourceId: "b.md", title: "亲情账户", url: "https://kb.example.org/kb/b.md" },
    ],
    disclaimer: false,
    related: [{ sourceId: "c.md", title: "门诊怎么报销", url: "https://kb.example.org/kb/c.md" }],
    noAnswer: false,
    ...fields,
  };
}

function telegramText(value: Answer): string {
  const parsed = parseTelegramHtml(renderTelegram(value).html);
  if (!parsed.ok) throw new Error(parsed.description);
  return parsed.visibleText;
}

/** WeCom's linked markers `[[1]](url)` read as `[1]`. */
function withoutMarkdownLinks(markdown: string): string {
  return markdown.replace(/\[\[(\d+)\]\]\([^)]*\)/g, "[$1]");
}

const surfaces: [string, (value: Answer) => string][] = [
  ["Telegram HTML", telegramText],
  ["WeCom markdown", (value) => withoutMarkdownLinks(renderAnswerMarkdown(value))],
  ["WeCom stream message", (value) => withoutMarkdownLinks(renderAnswerMarkdownWithin(value, 4096))],
  ["WeCom app messages", (value) => withoutMarkdownLinks(renderAnswerMessages(value).join("\n\n"))],
  ["CLI text", renderAnswerText],
];

describe.each(surfaces)("%s", (_surface, render) => {
  it("shows the paragraphs with their markers and never the answer's text", () => {
    const shown = render(answer());
    expect(shown).not.toContain("旧的文字");
    expect(shown).not.toContain("[3]");
    expect(shown).toContain("家庭共济账户可以支付近亲属的医疗费用。[1][2]");
    expect(shown).toContain("亲情账户只用于展示电子凭证。[2]");
    expect(shown).toContain(REPLY_TEXTS.relatedHeading);
  });

  it("shows the disclaimer because of the flag, not because the text holds it", () => {
    expect(render(answer())).not.toContain(MEDICAL_DISCLAIMER);
    const flagged = render(answer({ text: "没有免责声明的文字" }));
    expect(flagged).not.toContain(MEDICAL_DISCLAIMER);
    const withFlag = render(answer({ disclaimer: true, text: "没有免责声明的文字" }));
    expect(withFlag.split(MEDICAL_DISCLAIMER)).toHaveLength(2);
  });

  it("puts the understood question above the answer only when one is set", () => {
    const shown = render(answer({ understoodAs: "吉林省农保卡可以跨市使用么" }));
    const line = REPLY_TEXTS.understoodAs("吉林省农保卡可以跨市使用么");
    expect(shown).toContain(line);
    expect(shown.indexOf(line)).toBeLessThan(shown.indexOf("家庭共济账户"));
    expect(render(answer())).not.toContain("吉林");
  });
});

describe("the JSON API users read", () => {
  it("builds text from the paragraphs and the flag, whatever answer.text held", () => {
    const json = answerToJson(answer({ disclaimer: true, understoodAs: "吉林省农保卡可以跨市使用么" }));
    expect(json.text).toBe(`家庭共济账户可以支付近亲属的医疗费用。[1][2]\n\n亲情账户只用于展示电子凭证。[2]\n\n${MEDICAL_DISCLAIMER}`);
    expect(json.paragraphs).toEqual(answer().paragraphs);
    expect(json.understoodAs).toBe("吉林省农保卡可以跨市使用么");
    expect("understoodAs" in answerToJson(answer())).toBe(false);
  });

  it("answerText is the one builder: no disclaimer without the flag, markers follow each paragraph", () => {
    expect(
      answerText({
        paragraphs: [
          { text: "甲。", citations: [2, 1] },
          { text: "乙。", citations: [] },
        ],
        disclaimer: false,
      }),
    ).toBe("甲。[2][1]\n\n乙。");
  });
});
