import { describe, expect, it } from "vitest";
import {
  APP_MESSAGE_MAX_BYTES,
  STREAM_CONTENT_MAX_BYTES,
  renderAnswerMarkdown,
  renderAnswerMarkdownWithin,
  renderAnswerMessages,
} from "../../adapters/wecom/render-reply.js";
import { splitUtf8, truncateUtf8, utf8ByteLength } from "../../adapters/wecom/utf8-text.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import type { Answer } from "../../src/core/types.js";

function answer(overrides: Partial<Answer> = {}): Answer {
  return {
    paragraphs: [
      { text: "“亲情账户仅用于展示医保电子凭证。”", citations: [1] },
      { text: "“家庭共济账户涉及资金划拨。”", citations: [2] },
    ],
    // Deliberately unlike the paragraphs: the renderer must draw the structure, never this text.
    text: "TEXT-NOT-RENDERED [9]",
    passages: [],
    citations: [
      { n: 1, sourceId: "a.txt", title: "亲情账户 [说明]", url: "https://kb.example/kb/a.txt" },
      { n: 2, sourceId: "b.txt", title: "共济账户", url: "https://kb.example/kb/b (1).txt" },
    ],
    disclaimer: true,
    related: [{ sourceId: "c.txt", title: "吉林省医保可以在陕西用吗", url: "https://kb.example/kb/c.txt" }],
    noAnswer: false,
    ...overrides,
  };
}

describe("UTF-8 byte-safe text helpers", () => {
  it("never cuts inside a character and respects the byte limit", () => {
    const text = "医保😀".repeat(400) + "a";
    for (const limit of [4, 5, 6, 7, 2048]) {
      const pieces = splitUtf8(text, limit);
      expect(pieces.join("")).toBe(text);
      for (const piece of pieces) {
        expect(utf8ByteLength(piece)).toBeLessThanOrEqual(limit);
        expect(piece).not.toContain("\uFFFD");
      }
    }
  });

  it("prefers paragraph and sentence boundaries", () => {
    const paragraph = "这是一个句子。".repeat(60);
    const pieces = splitUtf8(`${paragraph}\n\n${paragraph}`, 2048);
    expect(pieces).toEqual([paragraph, paragraph]);
  });

  it("truncates with an ellipsis inside the limit", () => {
    const cut = truncateUtf8("共济".repeat(100), 20);
    expect(utf8ByteLength(cut)).toBeLessThanOrEqual(20);
    expect(cut.endsWith("…")).toBe(true);
  });
});

describe("Answer → WeCom markdown", () => {
  it("links every [n] marker, lists sources and related questions, ends with the disclaimer", () => {
    const markdown = renderAnswerMarkdown(answer());
    expect(markdown).not.toContain("TEXT-NOT-RENDERED");
    expect(markdown).toContain(`**${REPLY_TEXTS.sourcesHeading}**`);
    expect(markdown).toContain(`**${REPLY_TEXTS.relatedHeading}**\n- [吉林省医保可以在陕西用吗]`);
    expect(markdown).toContain("“亲情账户仅用于展示医保电子凭证。”[[1]](https://kb.example/kb/a.txt)");
    expect(markdown).toContain("[[2]](https://kb.example/kb/b%20%281%29.txt)");
    expect(markdown).toContain("[1] [亲情账户 【说明】](https://kb.example/kb/a.txt)");
    expect(markdown).toContain("- [吉林省医保可以在陕西用吗](https://kb.example/kb/c.txt)");
    expect(markdown.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
    expect(markdown.split(MEDICAL_DISCLAIMER)).toHaveLength(2);
  });

  it("adds no disclaimer when the answer does not call for one", () => {
    const markdown = renderAnswerMarkdown(answer({ paragraphs: [{ text: "“段落。”", citations: [1] }], disclaimer: false }));
    expect(markdown).not.toContain(MEDICAL_DISCLAIMER);
  });

  it("shortens passages, not sources or disclaimer, to fit one stream message", () => {
    const long = answer({ paragraphs: [{ text: `“${"医保".repeat(8000)}”`, citations: [1] }] });
    const markdown = renderAnswerMarkdownWithin(long, STREAM_CONTENT_MAX_BYTES);
    expect(utf8ByteLength(markdown)).toBeLessThanOrEqual(STREAM_CONTENT_MAX_BYTES);
    expect(markdown).toContain("[1] [亲情账户 【说明】](https://kb.example/kb/a.txt)");
    expect(markdown.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
  });

  it("splits a long answer into app messages of at most 2048 bytes, disclaimer last", () => {
    const paragraphs = Array.from({ length: 12 }, (_, index) => ({ text: `“${"家庭共济账户的资金使用规则。".repeat(12)}”`, citations: [(index % 2) + 1] }));
    const messages = renderAnswerMessages(answer({ paragraphs }), APP_MESSAGE_MAX_BYTES);
    expect(messages.length).toBeGreaterThan(2);
    for (const message of messages) expect(utf8ByteLength(message)).toBeLessThanOrEqual(APP_MESSAGE_MAX_BYTES);
    expect(messages.at(-1)!.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
    // Whole paragraphs stay together: every linked marker is intact.
    expect(messages.join("\n\n").match(/\[\[\d\]\]\(https:\/\/kb\.example\/kb\/[^)]+\)/g)).toHaveLength(12);
  });

  it("shows how a rewritten follow-up was understood as a first quote line", () => {
    const markdown = renderAnswerMarkdown(answer({ understoodAs: "吉林省农保卡可以跨市使用么" }));
    expect(markdown.startsWith(`> ${REPLY_TEXTS.understoodAs("吉林省农保卡可以跨市使用么")}\n\n“亲情账户`)).toBe(true);
    expect(renderAnswerMarkdown(answer())).not.toContain("查找");
  });
});
