/**
 * Duplicate text is found whether or not the files' key was computed up front: a file is hashed
 * only once another file of the same shape (record separators in its key) turns up.
 */
import { describe, expect, it } from "vitest";
import type { SourceDoc } from "../../src/core/types.js";
import { DuplicateContent } from "../../src/ingest/duplicate-content.js";

function source(sourceId: string, title: string, text: string): SourceDoc {
  return { sourceId, file: `${sourceId}.md`, title, text, kind: "page", disclaimer: false, contentHash: sourceId };
}

describe("DuplicateContent.sameText", () => {
  it("names the first of several earlier files with the same text, not a later one", async () => {
    const duplicates = new DuplicateContent();
    expect(await duplicates.sameText("a.md", [source("a", "flu流感", "秋季 预防")])).toBeUndefined();
    expect(await duplicates.sameText("b.md", [source("b", "感冒", "多喝水")])).toBeUndefined();
    // Full-width letters, case and whitespace do not make a different text.
    const problem = await duplicates.sameText("c.md", [source("c", "ＦＬＵ 流感", "秋季预防")]);
    expect(problem).toMatchObject({ code: "SOURCE_DUPLICATE", file: "c.md" });
    expect(problem?.message).toContain("a.md");
    expect((await duplicates.sameText("d.md", [source("d", "感冒", "多 喝 水")]))?.message).toContain("b.md");
  });

  it("compares files with different source counts when a text holds the record separator", async () => {
    const duplicates = new DuplicateContent();
    // One source whose text spans the separator gives the same key as two sources: same as before grouping.
    expect(await duplicates.sameText("one.md", [source("one", "甲", "一\u0001乙\u0000二")])).toBeUndefined();
    expect((await duplicates.sameText("two.md", [source("x", "甲", "一"), source("y", "乙", "二")]))?.message).toContain("one.md");
  });

  it("keeps files whose text differs, and files with no sources", async () => {
    const duplicates = new DuplicateContent();
    expect(await duplicates.sameText("a.md", [source("a", "流感", "秋季")])).toBeUndefined();
    expect(await duplicates.sameText("b.md", [source("b", "流感", "冬季")])).toBeUndefined();
    expect(await duplicates.sameText("empty.md", [])).toBeUndefined();
    expect(await duplicates.sameText("empty2.md", [])).toBeUndefined();
  });
});
