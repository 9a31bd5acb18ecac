import { describe, expect, it } from "vitest";
import { checkChunkOptions, chunkSource, splitText } from "../../src/ingest/chunk-text.js";
import { withHash } from "../../src/ingest/source-hash.js";

const options = { maxChars: 60, overlapChars: 20, singleChunkQaChars: 120 };

describe("Chinese-aware chunking", () => {
  it("keeps a short Q&A source as one chunk with its question in it", () => {
    const source = withHash({
      sourceId: "q1",
      title: "感冒了怎么办",
      question: "感冒了怎么办",
      text: "多喝水，注意休息。",
      kind: "faq",
      disclaimer: false,
      file: "f.csv",
    });
    expect(chunkSource(source, options)).toEqual([{ chunkId: "q1#0", sourceId: "q1", index: 0, text: "感冒了怎么办\n多喝水，注意休息。" }]);
  });

  it("splits long text at sentence ends, never inside a sentence, within the size limit", () => {
    const sentences = Array.from({ length: 12 }, (_, index) => `第${index + 1}句话讲的是一个完整的意思。`);
    const chunks = splitText(sentences.join(""), options);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(options.maxChars);
      expect(chunk.endsWith("。")).toBe(true);
      expect(chunk.startsWith("第")).toBe(true);
    }
    const all = chunks.join("");
    for (const sentence of sentences) expect(all).toContain(sentence);
  });

  it("overlaps neighbouring chunks by whole sentences", () => {
    const chunks = splitText(
      "甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲。乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙乙。丙丙丙丙丙丙丙丙丙丙丙丙丙丙丙丙丙丙。丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁丁。",
      options,
    );
    expect(chunks.length).toBeGreaterThan(1);
    const lastOfFirst = chunks[0].match(/[^。]+。$/)![0];
    expect(chunks[1].startsWith(lastOfFirst)).toBe(true);
  });

  it("splits on paragraphs first and keeps a heading with the text that follows it", () => {
    const text =
      "一、第一部分\n\n这是第一部分的内容，写得比较长一些，用来占满一个块的大部分空间。\n\n二、第二部分\n\n这是第二部分的内容，也比较长，需要单独成为一个块才放得下。";
    const chunks = splitText(text, options);
    expect(chunks[0].startsWith("一、第一部分")).toBe(true);
    expect(chunks.some((chunk) => chunk.startsWith("二、第二部分"))).toBe(true);
    expect(chunks.some((chunk) => chunk.trimEnd().endsWith("二、第二部分"))).toBe(false);
  });

  it("cuts a sentence longer than the limit at clause commas, then hard", () => {
    const long = `${"很长的从句，".repeat(20)}${"字".repeat(130)}。`;
    const chunks = splitText(long, options);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(options.maxChars);
    expect(chunks.join("").replace(/很长的从句，/g, "").length).toBeGreaterThanOrEqual(131);
  });

  it("rejects inconsistent options", () => {
    expect(() => checkChunkOptions({ maxChars: 100, overlapChars: 60, singleChunkQaChars: 100 })).toThrow(/overlapChars/);
    expect(() => checkChunkOptions({ maxChars: 10, overlapChars: 0, singleChunkQaChars: 100 })).toThrow(/maxChars/);
  });
});
