/** Upload names are cut to one plain file name, and paths are checked to stay inside the knowledge folder. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { insideFolder, sanitizeUploadName } from "../../../src/server/admin/knowledge-files.js";

describe("sanitizeUploadName", () => {
  it("keeps only the last part of a path and drops characters no file name should have", () => {
    expect(sanitizeUploadName("../../etc/医保.md")).toBe("医保.md");
    expect(sanitizeUploadName("C:\\Users\\admin\\问答.docx")).toBe("问答.docx");
    expect(sanitizeUploadName('a<b>:c"d|e?f*g.md')).toBe("abcdefg.md");
    expect(sanitizeUploadName("tab\tand\u0000null\u001f.md")).toBe("tabandnull.md");
    expect(sanitizeUploadName("  多个   空格 .txt ")).toBe("多个 空格 .txt");
  });

  it("never gives a hidden file, a dot-only name or an empty one", () => {
    expect(sanitizeUploadName(".env.md")).toBe("env.md");
    expect(sanitizeUploadName("...md")).toBe("md");
    expect(sanitizeUploadName("..")).toBeUndefined();
    expect(sanitizeUploadName("a/b/")).toBeUndefined();
    expect(sanitizeUploadName(".md")).toBe("md");
    expect(sanitizeUploadName("\u0000\u0001")).toBeUndefined();
  });

  it("shortens a long name to 100 characters and 200 bytes and keeps its extension", () => {
    const latin = sanitizeUploadName(`${"a".repeat(300)}.pdf`)!;
    expect(latin).toBe(`${"a".repeat(96)}.pdf`);
    const chinese = sanitizeUploadName(`${"长".repeat(300)}.pdf`)!;
    expect(chinese).toBe(`${"长".repeat(65)}.pdf`);
    expect(Buffer.byteLength(chinese, "utf8")).toBe(199);
  });

  it("cuts between whole characters: an emoji sequence is kept whole or left out", () => {
    const family = "👨‍👩‍👧";
    const name = sanitizeUploadName(`${"长".repeat(60)}${family}${family}.md`)!;
    expect(Buffer.byteLength(name, "utf8")).toBeLessThanOrEqual(200);
    expect(name.endsWith(".md")).toBe(true);
    expect(name.slice(0, -3).replace(/长/g, "")).toBe("");
  });
});

describe("insideFolder", () => {
  const root = path.resolve("/srv/knowledge");
  it("accepts paths inside the folder and refuses the folder itself and anything outside", () => {
    expect(insideFolder(root, "a.md")).toBe(path.join(root, "a.md"));
    expect(insideFolder(root, "sub/b.md")).toBe(path.join(root, "sub", "b.md"));
    expect(insideFolder(root, "../outside.md")).toBeUndefined();
    expect(insideFolder(root, "sub/../../outside.md")).toBeUndefined();
    expect(insideFolder(root, "/etc/passwd")).toBeUndefined();
    expect(insideFolder(root, "")).toBeUndefined();
    expect(insideFolder(root, "..knowledge-sibling.md")).toBe(path.join(root, "..knowledge-sibling.md"));
  });
});
