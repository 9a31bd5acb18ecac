import { describe, expect, it } from "vitest";
import { splitMessage, visibleLength } from "../../adapters/telegram/split-message.js";
import { parseTelegramHtml } from "./support/telegram-html.js";

function visible(html: string): string {
  const parsed = parseTelegramHtml(html);
  if (!parsed.ok) throw new Error(`${parsed.description}: ${html.slice(0, 200)}`);
  return parsed.visibleText;
}

/** Every chunk parses, fits, and together they hold the original text (cuts only drop blank space). */
function expectFaithfulSplit(html: string, limit: number): string[] {
  const chunks = splitMessage(html, limit);
  for (const chunk of chunks) expect(visible(chunk).length).toBeLessThanOrEqual(limit);
  const squash = (text: string) => text.replace(/\s+/g, "");
  expect(squash(chunks.map(visible).join(""))).toBe(squash(visible(html)));
  return chunks;
}

describe("splitMessage", () => {
  it("leaves a message within the limit alone", () => {
    expect(splitMessage("<b>来源</b>\n[1] 标题", 4096)).toEqual(["<b>来源</b>\n[1] 标题"]);
  });

  it("counts visible characters, not markup: entities and tags are free", () => {
    const html = `<a href="https://kb.example.org/${"x".repeat(500)}">${"&amp;".repeat(4000)}</a>`;
    expect(visibleLength(html)).toBe(4000);
    expect(splitMessage(html, 4096)).toEqual([html]);
  });

  it("cuts at paragraph boundaries first", () => {
    const paragraphs = ["一".repeat(60), "二".repeat(60), "三".repeat(60)];
    const chunks = expectFaithfulSplit(paragraphs.join("\n\n"), 130);
    expect(chunks).toEqual([`${paragraphs[0]}\n\n${paragraphs[1]}`, paragraphs[2]]);
  });

  it("cuts a long paragraph at sentence ends", () => {
    const sentence = "家庭共济账户可以给近亲属使用。";
    const chunks = expectFaithfulSplit(sentence.repeat(20), 100);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith("。")).toBe(true);
  });

  it("cuts English text at sentence ends or spaces, not inside words", () => {
    const chunks = expectFaithfulSplit("The family account pays for relatives. ".repeat(10).trim(), 90);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith(".")).toBe(true);
  });

  it("closes and reopens an element that has to be cut, so each message parses on its own", () => {
    const html = `<b>${"很长的加粗文字".repeat(30)}</b> 结尾`;
    const chunks = expectFaithfulSplit(html, 50);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks.slice(1, -1)) expect(chunk.startsWith("<b>")).toBe(true);
    for (const chunk of chunks) expect(parseTelegramHtml(chunk).ok).toBe(true);
  });

  it("never cuts inside an entity or a surrogate pair", () => {
    const chunks = expectFaithfulSplit("😀&amp;".repeat(50), 7);
    for (const chunk of chunks) {
      expect(chunk).not.toMatch(/&[a-z]*$/);
      expect(/[\uD800-\uDBFF]$/.test(chunk)).toBe(false);
    }
  });

  it("keeps every chunk valid for random mixes of text, entities and nested tags", () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = [
      "医保",
      "共济。",
      " word",
      ".",
      "\n",
      "\n\n",
      "&lt;",
      "&amp;",
      "😀",
      "<b>粗体 <i>斜体</i> 文字</b>",
      '<a href="https://kb.example.org/a?x=1&amp;y=2">[1]</a>',
    ];
    for (let round = 0; round < 200; round += 1) {
      const html = Array.from({ length: 5 + Math.floor(random() * 80) }, () => pieces[Math.floor(random() * pieces.length)]).join("");
      if (visible(html).trim() === "") continue;
      expectFaithfulSplit(html, 5 + Math.floor(random() * 60));
    }
  });
});
