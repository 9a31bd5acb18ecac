/**
 * Text from the knowledge folder (a passage, a title, a source URL, an example question) sent as
 * WeCom markdown cannot mention everyone (`<@all>`), mention one person (`<@userid>`) or open a raw
 * tag (`<font>`, `<a>`): every renderer the app messages, the AI bot's stream and the long
 * connection use draws it as the plain text it is.
 */
import { describe, expect, it } from "vitest";
import { renderAnswerMarkdown, renderAnswerMarkdownWithin, renderAnswerMessages, renderReplyMessages } from "../../adapters/wecom/render-reply.js";
import { toWecomReply } from "../../adapters/wecom/wecom-reply.js";
import type { Answer } from "../../src/core/types.js";

const HOSTILE = '<@all> 请全员注意 <@zhangsan><font color="warning">紧急</font><a href="https://evil.example">点此</a>';

function hostileAnswer(): Answer {
  return {
    paragraphs: [
      { text: `门诊报销比例见下表。${HOSTILE}`, citations: [1] },
      { text: "<@all>", citations: [] },
    ],
    text: "",
    passages: [],
    citations: [{ n: 1, sourceId: "notice.md", title: `通知 ${HOSTILE}`, url: "https://kb.example/kb/notice.md?<@all>" }],
    disclaimer: false,
    related: [{ sourceId: "other.md", title: "<@lisi> 其他问题", url: "https://kb.example/kb/other.md" }],
    noAnswer: false,
    understoodAs: "<@all> 报销比例",
  };
}

/** What WeCom reads as a mention or a tag: `<` followed by `@`, a letter, `/` or `!`. */
const MARKUP = /<[@A-Za-z/!]/;

describe("WeCom markdown from the knowledge folder", () => {
  it("holds no mention and no raw tag in any rendering of an answer", () => {
    const answer = hostileAnswer();
    const renderings = [renderAnswerMarkdown(answer), renderAnswerMarkdownWithin(answer, 4096), ...renderAnswerMessages(answer, 2048)];
    for (const markdown of renderings) {
      expect(markdown).not.toMatch(MARKUP);
      expect(markdown).not.toContain("<@");
      // The words stay readable, with a full-width bracket in place of the markup's.
      expect(markdown).toContain("＜@all>");
      expect(markdown).toContain("请全员注意");
    }
    // The answer's own links still work.
    expect(renderAnswerMarkdown(answer)).toContain("[[1]](https://kb.example/kb/notice.md?%3C@all%3E)");
  });

  it("holds no mention and no raw tag in a text reply (example questions, file names)", () => {
    const reply = toWecomReply({ kind: "text", text: `可以这样问：${HOSTILE}\n\n文件 <@all>.md 有问题` })!;
    const messages = renderReplyMessages(reply, 2048);
    expect(messages.join("\n\n")).not.toMatch(MARKUP);
    expect(messages.join("\n\n")).toContain("＜@all>.md");
  });
});
