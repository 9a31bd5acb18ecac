/**
 * Document indexing cost: a 200-page Chinese text PDF (printed by Chromium with Noto CJK, so it has
 * a real CJK text layer) and a 100-page Word document, each indexed alone from an empty index.
 * Targets: PDF <= 15 s, DOCX <= 5 s. Needs /usr/bin/chromium and fonts-noto-cjk for the PDF.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildIndex } from "../src/ingest/build-index.js";
import { docxBytes } from "../test/fixtures/documents/make-document-fixtures.js";

const local = { kind: "local" as const, batchSize: 64 };
const PHRASES = [
  "门诊挂号需携带身份证和医保卡",
  "异地就医备案后可以直接结算",
  "高血压患者应当低盐饮食并按时服药",
  "糖尿病人要定期监测血糖",
  "住院押金可以使用银行卡支付",
  "儿童疫苗接种需要预约",
  "检查报告可在自助机打印",
  "急诊二十四小时开放",
  "出院结算请到一楼住院处",
  "复诊请提前在公众号预约",
];

/** A page of varied Chinese sentences: numbered, so no two pages are the same text. */
function pageText(page: number, sentences: number): string[] {
  return Array.from(
    { length: sentences },
    (_, index) => `第${page}节第${index + 1}条：${PHRASES[(page * 7 + index * 3) % PHRASES.length]}，${PHRASES[(page + index) % PHRASES.length]}。`,
  );
}

async function timedBuild(knowledgeDir: string, indexDir: string): Promise<{ seconds: number; sources: number; chunks: number; errors: number }> {
  const started = performance.now();
  const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
  const seconds = (performance.now() - started) / 1000;
  return { seconds: Math.round(seconds * 100) / 100, sources: summary.sources, chunks: summary.chunks, errors: summary.errors.length };
}

export async function benchDocuments(): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-bench-documents-"));
  try {
    const pdfFolder = path.join(work, "pdf");
    const docxFolder = path.join(work, "docx");
    await mkdir(pdfFolder);
    await mkdir(docxFolder);
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
    try {
      const page = await browser.newPage();
      const sections = Array.from(
        { length: 200 },
        (_, index) =>
          `<section style="break-before: page"><h2>第${index + 1}章 就医指南</h2>${pageText(index + 1, 14)
            .map((line) => `<p>${line}</p>`)
            .join("")}</section>`,
      ).join("");
      await page.setContent(
        `<html><head><title>就医指南合订本</title></head><body style="font-family:'Noto Sans CJK SC'; font-size: 12px">${sections}</body></html>`,
      );
      await writeFile(path.join(pdfFolder, "guide.pdf"), await page.pdf({ format: "A4" }));
    } finally {
      await browser.close();
    }
    const W = (text: string, style?: string) => `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ""}<w:r><w:t>${text}</w:t></w:r></w:p>`;
    // About a page of text per section: a heading and 14 sentences.
    const body = Array.from(
      { length: 100 },
      (_, index) =>
        W(`第${index + 1}章 就医指南`, "Heading1") +
        pageText(index + 1, 14)
          .map((line) => W(line))
          .join(""),
    ).join("");
    await writeFile(path.join(docxFolder, "guide.docx"), docxBytes(body));
    const pdf = await timedBuild(pdfFolder, path.join(work, "pdf-index"));
    const docx = await timedBuild(docxFolder, path.join(work, "docx-index"));
    return { pdfPages: 200, pdf, docxPages: 100, docx };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${JSON.stringify({ section: "documents", ...(await benchDocuments()) })}\n`);
