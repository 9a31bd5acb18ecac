/**
 * Document formats: PDF text layer with pages, Word, Excel and PowerPoint, the old binary Office
 * formats, and bad inputs (damaged, encrypted, not a zip, zip bomb, over the page or row limit),
 * each reported by file while the rest of the folder still loads.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkSource } from "../../src/ingest/chunk-text.js";
import { DEFAULT_INDEX_LIMITS } from "../../src/ingest/index-limits.js";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { parseDocx } from "../../src/ingest/parse-docx.js";
import { parsePdf } from "../../src/ingest/parse-pdf.js";
import { parsePptx } from "../../src/ingest/parse-pptx.js";
import { parseXlsx } from "../../src/ingest/parse-xlsx.js";
import { dropRepeatedEdgeLines } from "../../src/ingest/running-lines.js";
import { sourceLink } from "../../src/retrieval/source-link.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { docxBytes, DOCX_BODY, xlsxBytes } from "../fixtures/documents/make-document-fixtures.js";
import { handMadePdf } from "./hand-made-pdf.js";

const FIXTURES = path.join(PROJECT_ROOT, "test/fixtures/documents");
const fixture = (name: string) => readFile(path.join(FIXTURES, name));
const limits = DEFAULT_INDEX_LIMITS;

describe("PDF", () => {
  it("reads the Chinese text layer page by page, without the running header and page numbers", async () => {
    const { sources, problems } = await parsePdf(await fixture("patient-handbook.pdf"), "handbook.pdf", limits);
    expect(problems).toEqual([]);
    expect(sources).toHaveLength(1);
    const [source] = sources;
    expect(source.title).toBe("市第一医院患者手册");
    expect(source.kind).toBe("document");
    // Radical code points from the CJK font's text layer are folded back (门, not ⻔).
    expect(source.text).toContain("门诊挂号可以通过医院公众号、自助机或人工窗口办理。");
    expect(source.text).not.toContain("市第一医院患者手册");
    expect(source.text.split("\n\n")).not.toContain("2");
    expect(source.locations?.map((location) => location.number)).toEqual([1, 2, 3]);
    const pageTwo = source.locations![1];
    expect(source.text.slice(pageTwo.offset)).toMatch(/^第二章 医保报销/);
  });

  it("gives each chunk the page it starts on, and the citation link opens that page", async () => {
    const [source] = (await parsePdf(await fixture("patient-handbook.pdf"), "handbook.pdf", limits)).sources;
    const chunks = chunkSource(source, { maxChars: 60, overlapChars: 0, singleChunkQaChars: 0 });
    const insurance = chunks.find((chunk) => chunk.text.includes("异地就医"));
    expect(insurance?.location).toEqual({ unit: "page", number: 2 });
    expect(chunks.find((chunk) => chunk.text.includes("住院押金"))?.location).toEqual({ unit: "page", number: 3 });
    expect(sourceLink("https://bot.example", source.sourceId, undefined, { chunkIndex: insurance!.index, location: insurance!.location })).toBe(
      "https://bot.example/kb/handbook.pdf#page-2",
    );
    expect(sourceLink("https://bot.example", source.sourceId, "https://hospital.example/handbook.pdf", { location: insurance!.location })).toBe(
      "https://hospital.example/handbook.pdf#page=2",
    );
  });

  it("reports a password-protected PDF as SOURCE_ENCRYPTED and a damaged one as SOURCE_MALFORMED", async () => {
    const encrypted = await parsePdf(handMadePdf({ encrypted: true }), "locked.pdf", limits);
    expect(encrypted.sources).toEqual([]);
    expect(encrypted.problems).toMatchObject([{ code: "SOURCE_ENCRYPTED", file: "locked.pdf", severity: "error" }]);
    expect(encrypted.problems[0].hint).toMatch(/unprotected copy/);
    const damaged = await parsePdf(Buffer.from("%PDF-1.4\nnot really a pdf"), "broken.pdf", limits);
    expect(damaged.problems).toMatchObject([{ code: "SOURCE_MALFORMED", file: "broken.pdf" }]);
    const truncated = (await fixture("patient-handbook.pdf")).subarray(0, 2000);
    expect((await parsePdf(truncated, "cut.pdf", limits)).problems[0]).toMatchObject({ file: "cut.pdf", severity: "error" });
  });

  it("refuses a PDF with more pages than MAX_DOCUMENT_PAGES", async () => {
    const { sources, problems } = await parsePdf(await fixture("patient-handbook.pdf"), "handbook.pdf", { ...limits, maxDocumentPages: 2 });
    expect(sources).toEqual([]);
    expect(problems).toMatchObject([{ code: "SOURCE_TOO_LARGE", file: "handbook.pdf" }]);
    expect(problems[0].message).toMatch(/3 pages, more than the limit of 2/);
  });

  it("drops lines repeated at the edges of most pages and page-number lines, not body text", () => {
    const pages = [1, 2, 3, 4].map((number) => ({
      number,
      lines: ["年度报告", `患者手册 · ${number}`, `第${number + 1}章`, `正文${number * 10}`, `第 ${number} 页 共 4 页`],
    }));
    expect(dropRepeatedEdgeLines(pages).map((page) => page.lines)).toEqual([1, 2, 3, 4].map((number) => [`第${number + 1}章`, `正文${number * 10}`]));
  });
});

describe("Word", () => {
  it("reads headings, paragraphs and table rows as 列名: 值 lines, titled from the document properties", async () => {
    const { sources, problems } = await parseDocx(await fixture("clinic-guide.docx"), "guide.docx", limits);
    expect(problems).toEqual([]);
    expect(sources).toMatchObject([{ sourceId: "guide.docx", title: "医院指南", kind: "document" }]);
    expect(sources[0].text.split("\n\n")).toEqual([
      "门诊服务指南",
      "本院门诊时间为周一至周五上午八点至下午五点。",
      "检查项目",
      "项目: 抽血\n地点: 门诊二楼",
      "项目: CT\n地点: 医技楼一楼",
      "周末仅开放急诊。",
    ]);
  });

  it("takes the first heading as the title when the document has none", async () => {
    const { sources } = await parseDocx(Buffer.from(docxBytes(DOCX_BODY, "")), "untitled.docx", limits);
    expect(sources[0].title).toBe("门诊服务指南");
  });

  it("reports a .docx that is not a zip as SOURCE_MALFORMED", async () => {
    const { sources, problems } = await parseDocx(Buffer.from("这其实是一个文本文件"), "fake.docx", limits);
    expect(sources).toEqual([]);
    expect(problems).toMatchObject([{ code: "SOURCE_MALFORMED", file: "fake.docx" }]);
    expect(problems[0].message).toMatch(/not a zip/);
  });

  it("refuses a zip bomb before inflating it, and one that lies about its size while inflating", async () => {
    const bomb = zipSync({ "word/document.xml": new Uint8Array(4 * 1024 * 1024) }, { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const small = { ...limits, maxUnpackedBytes: 1024 * 1024 };
    const declared = await parseDocx(Buffer.from(bomb), "bomb.docx", small);
    expect(declared.problems).toMatchObject([{ code: "SOURCE_TOO_LARGE", file: "bomb.docx" }]);
    expect(declared.problems[0].message).toMatch(/MAX_UNPACKED_BYTES/);
    // The same archive with a central directory claiming 1,000 bytes for the entry.
    const lying = Buffer.from(bomb);
    const directory = lying.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    lying.writeUInt32LE(1000, directory + 24);
    const lied = await parseDocx(lying, "liar.docx", small);
    expect(lied.problems).toMatchObject([{ code: "SOURCE_TOO_LARGE", file: "liar.docx" }]);
    expect(lied.problems[0].message).toMatch(/more than the 1000 bytes it declares/);
  });
});

describe("Excel", () => {
  it("turns an FAQ sheet into one source per row with the sheet as category, other sheets into a table, and skips hidden sheets", async () => {
    const { sources, problems } = await parseXlsx(await fixture("faq-workbook.xlsx"), "faq.xlsx", limits);
    expect(sources.map((source) => [source.sourceId, source.kind, source.category])).toEqual([
      ["faq.xlsx#常见问题-row-1", "faq", "常见问题"],
      ["faq.xlsx#常见问题-row-2", "faq", "常见问题"],
      ["faq.xlsx#科室电话", "document", "科室电话"],
    ]);
    expect(sources[0]).toMatchObject({ question: "医保卡丢了怎么办", text: "携带身份证到社保经办机构挂失补办。" });
    // The formula's cached value is read; the formula itself is never evaluated.
    expect(sources[2].text).toBe("科室: 心内科\n电话: 010-1234\n已缓存");
    expect(problems).toMatchObject([{ severity: "warning", file: "faq.xlsx" }]);
    expect(problems[0].message).toMatch(/"草稿" is hidden/);
    expect(sources.some((source) => source.text.includes("内部草稿"))).toBe(false);
  });

  it("reads a sheet to MAX_SHEET_ROWS rows and reports the rest", async () => {
    const rows = [["问题", "答案"], ...Array.from({ length: 10 }, (_, index) => [`问题${index + 1}`, `答案${index + 1}`])];
    const { sources, problems } = await parseXlsx(Buffer.from(xlsxBytes([{ name: "FAQ", rows }])), "long.xlsx", { ...limits, maxSheetRows: 5 });
    expect(sources).toHaveLength(4);
    expect(problems).toMatchObject([{ code: "SOURCE_TOO_LARGE", file: "long.xlsx" }]);
    expect(problems[0].message).toMatch(/more than 5 rows \(MAX_SHEET_ROWS\)/);
  });
});

describe("PowerPoint", () => {
  it("reads a deck slide by slide with titles, body and speaker notes, and slide locations", async () => {
    const { sources, problems } = await parsePptx(await fixture("health-talk.pptx"), "talk.pptx", limits);
    expect(problems).toEqual([]);
    const [deck] = sources;
    expect(deck.title).toBe("健康讲座：高血压");
    expect(deck.text).toContain("备注：讲者提示：强调低盐饮食。");
    expect(deck.locations?.map((location) => [location.unit, location.number])).toEqual([
      ["slide", 1],
      ["slide", 2],
      ["slide", 3],
    ]);
    const chunks = chunkSource(deck, { maxChars: 50, overlapChars: 0, singleChunkQaChars: 0 });
    expect(chunks.find((chunk) => chunk.text.includes("高血压是常见慢性病"))?.location).toEqual({ unit: "slide", number: 1 });
    const medicine = chunks.find((chunk) => chunk.text.startsWith("用药原则"));
    expect(medicine?.location).toEqual({ unit: "slide", number: 2 });
    expect(sourceLink("https://bot.example", deck.sourceId, undefined, { chunkIndex: medicine!.index, location: medicine!.location })).toBe(
      "https://bot.example/kb/talk.pptx#slide-2",
    );
  });
});

describe("a knowledge folder with documents and bad inputs", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "kb-documents-"));
    for (const name of ["patient-handbook.pdf", "clinic-guide.docx", "faq-workbook.xlsx", "health-talk.pptx"])
      await copyFile(path.join(FIXTURES, name), path.join(folder, name));
    await writeFile(path.join(folder, "locked.pdf"), handMadePdf({ encrypted: true }));
    await writeFile(path.join(folder, "broken.pdf"), "%PDF-1.7\n%%EOF");
    await writeFile(path.join(folder, "fake.docx"), "plain text pretending");
    await writeFile(path.join(folder, "bomb.pptx"), zipSync({ "ppt/presentation.xml": new Uint8Array(3 * 1024 * 1024) }, { level: 9 }));
    await writeFile(path.join(folder, "notes.txt"), "门诊时间\n\n门诊时间为周一至周五。\n");
    await writeFile(path.join(folder, "old-report.doc"), strToU8("\u00d0\u00cf\u0011\u00e0 old binary"));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("indexes the good files and reports each bad one by name with what to do", async () => {
    const { sources, problems } = await loadKnowledge(folder, { maxUnpackedBytes: 1024 * 1024 });
    expect(new Set(sources.map((source) => source.file))).toEqual(
      new Set(["patient-handbook.pdf", "clinic-guide.docx", "faq-workbook.xlsx", "health-talk.pptx", "notes.txt"]),
    );
    const byFile = Object.fromEntries(problems.filter((problem) => problem.severity === "error").map((problem) => [problem.file, problem.code]));
    expect(byFile).toEqual({
      "locked.pdf": "SOURCE_ENCRYPTED",
      "broken.pdf": "SOURCE_MALFORMED",
      "fake.docx": "SOURCE_MALFORMED",
      "bomb.pptx": "SOURCE_TOO_LARGE",
      "old-report.doc": "SOURCE_UNSUPPORTED",
    });
    expect(problems.find((problem) => problem.file === "old-report.doc")?.hint).toMatch(/save it as \.docx/);
    for (const problem of problems) expect(problem.hint.length).toBeGreaterThan(10);
  });
});
