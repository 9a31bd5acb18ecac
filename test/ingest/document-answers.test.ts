/**
 * Answers from documents: a title from the file's metadata is used only when it names the content
 * (not `_pdf.html`, `Microsoft Word - …` or "untitled"); a reply from a multi-page PDF quotes the
 * sentences of the page that answers and cites that page; a page that carries the medical
 * disclaimer itself does not make the reply show it twice. The PDFs are written by hand (three
 * pages of Chinese text in a standard font), so no browser is needed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { DEFAULT_INDEX_LIMITS } from "../../src/ingest/index-limits.js";
import { usableMetadataTitle } from "../../src/ingest/metadata-title.js";
import { parseDocx } from "../../src/ingest/parse-docx.js";
import { parseHtml } from "../../src/ingest/parse-html.js";
import { parsePdf } from "../../src/ingest/parse-pdf.js";
import { parsePptx } from "../../src/ingest/parse-pptx.js";
import { docxBytes, pptxBytes } from "../fixtures/documents/make-document-fixtures.js";
import { startTestServer, type TestServer } from "../server/support/test-server.js";
import { handMadeChinesePdf } from "./hand-made-pdf.js";

/** A handbook of three short pages; the answer to the 起付线 question is on page 2 only. */
const HANDBOOK_PAGES = [
  ["第一章 门诊挂号", "门诊挂号可以通过医院公众号、自助机或人工窗口办理。", "初诊患者需携带身份证建档。"],
  ["第二章 门诊慢特病", "门诊慢特病的起付线为每年三百元，起付线以上的费用按百分之七十报销。", "本内容不能代替面诊，如有不适请尽快就医。"],
  ["第三章 住院须知", "住院押金可使用银行卡或微信支付。", "出院结算在一楼住院处办理。"],
];
const HANDBOOK = "医保手册.pdf";

describe("titles from document metadata", () => {
  it("refuses file names, tool names and placeholders, and keeps a real title", () => {
    for (const refused of [
      "_pdf.html",
      "foo.docx",
      "Microsoft Word - 门诊须知.docx",
      "Microsoft PowerPoint - 讲座",
      "untitled",
      "Untitled 2",
      "无标题",
      "无标题文档",
      "Document1",
      "  ",
      "---",
    ]) {
      expect(usableMetadataTitle(refused), refused).toBeUndefined();
    }
    expect(usableMetadataTitle("门诊慢特病报销指南")).toBe("门诊慢特病报销指南");
    expect(usableMetadataTitle("2025 年医保政策解读")).toBe("2025 年医保政策解读");
  });

  it("falls back to the first line of a PDF whose metadata title is a file name", async () => {
    const { sources } = await parsePdf(handMadeChinesePdf(HANDBOOK_PAGES, { title: "_pdf.html" }), HANDBOOK, DEFAULT_INDEX_LIMITS);
    expect(sources[0].title).toBe("第一章 门诊挂号");
    const named = await parsePdf(handMadeChinesePdf(HANDBOOK_PAGES, { title: "门诊慢特病报销指南" }), HANDBOOK, DEFAULT_INDEX_LIMITS);
    expect(named.sources[0].title).toBe("门诊慢特病报销指南");
  });

  it("falls back to the first heading of a Word file or deck titled by its tool, and of a page titled 无标题文档", async () => {
    const body = `<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>门诊服务指南</w:t></w:r></w:p><w:p><w:r><w:t>挂号请到一楼大厅。</w:t></w:r></w:p>`;
    const word = await parseDocx(Buffer.from(docxBytes(body, "Microsoft Word - 指南.docx")), "guide.docx", DEFAULT_INDEX_LIMITS);
    expect(word.sources[0].title).toBe("门诊服务指南");
    const deck = await parsePptx(Buffer.from(pptxBytes([{ title: "高血压的自我管理", body: ["每天测量血压。"] }])), "talk.pptx", DEFAULT_INDEX_LIMITS);
    expect(deck.sources[0].title).toBe("高血压的自我管理");
    const page = parseHtml("<html><head><title>无标题文档</title></head><body><p>医保卡丢失后请到社保中心补办。</p></body></html>", "card.html");
    expect(page.sources[0].title).toBe("医保卡丢失后请到社保中心补办。");
  });
});

describe("answers from a multi-page PDF", () => {
  let folder: string;
  let server: TestServer;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "kb-document-answers-"));
    await writeFile(path.join(folder, HANDBOOK), handMadeChinesePdf(HANDBOOK_PAGES, { title: "_pdf.html" }));
    server = await startTestServer({ knowledgeDir: folder });
  });
  afterAll(async () => {
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("quotes the page that answers and cites it, not the whole document at page 1", async () => {
    const answer = await server.bot.answer({ text: "门诊慢特病的起付线是多少", platform: "web" });
    expect(answer.noAnswer).toBe(false);
    expect(answer.citations).toHaveLength(1);
    expect(answer.citations[0].url).toBe(`http://127.0.0.1:3000/kb/${encodeURIComponent(HANDBOOK)}#page-2`);
    const quoted = answer.paragraphs[0].text;
    expect(quoted).toContain("门诊慢特病的起付线为每年三百元");
    // Nothing from the other pages.
    for (const elsewhere of ["公众号", "身份证", "押金", "出院结算"]) expect(quoted).not.toContain(elsewhere);
    // Another question is answered from its own page.
    const deposit = await server.bot.answer({ text: "住院押金怎么交", platform: "web" });
    expect(deposit.citations[0].url).toMatch(/#page-3$/);
    expect(deposit.paragraphs[0].text).toContain("住院押金可使用银行卡或微信支付");
    expect(deposit.paragraphs[0].text).not.toContain("起付线");
  });

  it("shows the disclaimer once when the quoted page carries it too", async () => {
    const response = await server.post("/api/ask", { question: "门诊慢特病的起付线是多少" });
    const answer = (await response.json()) as { text: string; disclaimer: boolean };
    expect(answer.disclaimer).toBe(true);
    expect(answer.text.split("本内容不能代替面诊")).toHaveLength(2);
    expect(answer.text.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
  });
});
