import { describe, expect, it } from "vitest";
import { renderAnswer } from "../../adapters/telegram/render-reply.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import type { Answer } from "../../src/core/types.js";
import { parseTelegramHtml } from "./support/telegram-html.js";

function answer(fields: Partial<Answer> = {}): Answer {
  return {
    paragraphs: [
      { text: "“允许职工医保个人账户资金授权给近亲属使用。”", citations: [1] },
      { text: "“亲情账户仅用于展示医保电子凭证。”", citations: [2] },
    ],
    // Deliberately unlike the paragraphs: the renderer must draw the structure, never this text.
    text: "TEXT-NOT-RENDERED [9]",
    passages: [],
    citations: [
      { n: 1, sourceId: "a.txt", title: "家庭共济 <账户> & 亲情", url: "https://kb.example.org/kb/a.txt#chunk-0" },
      { n: 2, sourceId: "b.txt", title: "本地资料", url: "http://localhost:3000/kb/b.txt" },
    ],
    disclaimer: true,
    related: [{ sourceId: "c.txt", title: "医保卡共济后门诊怎么报销", url: "https://kb.example.org/kb/c.txt?a=1&b=2" }],
    noAnswer: false,
    ...fields,
  };
}

function visible(html: string): string {
  const parsed = parseTelegramHtml(html);
  if (!parsed.ok) throw new Error(parsed.description);
  return parsed.visibleText;
}

describe("renderAnswer", () => {
  it("draws the paragraphs with linked [n] markers, the sources and related questions, and ends with the disclaimer line", () => {
    const { html } = renderAnswer(answer());
    expect(html).toContain('“允许职工医保个人账户资金授权给近亲属使用。”<a href="https://kb.example.org/kb/a.txt#chunk-0">[1]</a>');
    // A localhost link would make Telegram refuse the message: the marker stays plain text.
    expect(html).toContain("”[2]");
    expect(html).not.toContain("localhost");
    const text = visible(html);
    expect(text).toContain(`${REPLY_TEXTS.sourcesHeading}\n[1] 家庭共济 <账户> & 亲情\n[2] 本地资料`);
    expect(text).toContain(`${REPLY_TEXTS.relatedHeading}\n• 医保卡共济后门诊怎么报销`);
    expect(text.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
    expect(text.split(MEDICAL_DISCLAIMER)).toHaveLength(2);
    expect(html).toContain('href="https://kb.example.org/kb/c.txt?a=1&amp;b=2"');
    expect(text).not.toContain("TEXT-NOT-RENDERED");
  });

  it("escapes markup characters that come from sources", () => {
    const { html } = renderAnswer(answer({ paragraphs: [{ text: "比例 <b>&</b> 起付线", citations: [1] }], disclaimer: false }));
    expect(html).toContain("比例 &lt;b&gt;&amp;&lt;/b&gt; 起付线");
    expect(visible(html)).toContain("比例 <b>&</b> 起付线[1]");
    expect(visible(html)).not.toContain(MEDICAL_DISCLAIMER);
  });

  it("escapes quotes and ampersands inside href", () => {
    const { html } = renderAnswer(answer({ citations: [{ n: 1, sourceId: "a", title: "t", url: 'https://kb.example.org/a?q="x"&y=1' }] }));
    expect(html).toContain('href="https://kb.example.org/a?q=&quot;x&quot;&amp;y=1"');
    expect(parseTelegramHtml(html).ok).toBe(true);
  });

  it("makes URL buttons for the top sources Telegram accepts, with short labels", () => {
    const long = "很长的标题".repeat(20);
    const { keyboard } = renderAnswer(
      answer({
        citations: [
          { n: 1, sourceId: "a", title: long, url: "https://kb.example.org/a" },
          { n: 2, sourceId: "b", title: "b", url: "http://localhost:3000/kb/b" },
          { n: 3, sourceId: "c", title: "c", url: "ftp://kb.example.org/c" },
          { n: 4, sourceId: "d", title: "d", url: "http://kb.example.org/d" },
          { n: 5, sourceId: "e", title: "e", url: "https://kb.example.org/e" },
          { n: 6, sourceId: "f", title: "f", url: "https://kb.example.org/f" },
        ],
      }),
    );
    expect(keyboard.map((row) => row.map((button) => button.url))).toEqual([
      ["https://kb.example.org/a"],
      ["http://kb.example.org/d"],
      ["https://kb.example.org/e"],
    ]);
    expect(Array.from(keyboard[0][0].text).length).toBeLessThanOrEqual(40);
    expect(keyboard[0][0].text.startsWith("[1] 很长的标题")).toBe(true);
  });

  it("renders a no-answer reply as plain escaped text without sources or buttons", () => {
    const rendered = renderAnswer({
      paragraphs: [{ text: "抱歉，没有找到 <相关> 内容。", citations: [] }],
      text: "抱歉，没有找到 <相关> 内容。",
      passages: [],
      citations: [],
      disclaimer: false,
      related: [],
      noAnswer: true,
    });
    expect(rendered).toEqual({ html: "抱歉，没有找到 &lt;相关&gt; 内容。", keyboard: [] });
  });

  it("adds the disclaimer line from the flag alone", () => {
    const { html } = renderAnswer(answer({ paragraphs: [{ text: "内容", citations: [1] }] }));
    expect(visible(html).endsWith(MEDICAL_DISCLAIMER)).toBe(true);
    expect(visible(renderAnswer(answer({ disclaimer: false })).html)).not.toContain(MEDICAL_DISCLAIMER);
  });

  it("shows how a rewritten follow-up was understood, escaped, as the first line", () => {
    const { html } = renderAnswer(answer({ understoodAs: "吉林省<农保卡>可以跨市使用么" }));
    expect(html.startsWith("<i>按「吉林省&lt;农保卡&gt;可以跨市使用么」查找</i>\n\n")).toBe(true);
    expect(visible(html).split("\n")[0]).toBe(REPLY_TEXTS.understoodAs("吉林省<农保卡>可以跨市使用么"));
    expect(renderAnswer(answer()).html).not.toContain("查找");
  });
});
