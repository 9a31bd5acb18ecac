/**
 * OCR with Debian's Tesseract and its Chinese data (apt-get install tesseract-ocr tesseract-ocr-chi-sim;
 * .ci/run installs them): a PNG of a Chinese notice and an image-only PDF page (both rendered once by
 * Chromium, test/fixtures/ocr/render-fixtures.ts) come out as text, and a time limit stops OCR.
 */
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { DEFAULT_INDEX_LIMITS } from "../../src/ingest/index-limits.js";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { recognizePdfPage } from "../../src/ingest/ocr/recognize-pdf-page.js";

const FIXTURES = path.join(import.meta.dirname, "../fixtures/ocr");

async function folderWith(fixture: string, as: string): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "kb-ocr-system-"));
  await copyFile(path.join(FIXTURES, fixture), path.join(directory, as));
  return directory;
}

describe("OCR with Tesseract (chi_sim)", () => {
  it("runs once per scanned file: the next re-index reuses the kept parse of an unchanged image and scanned PDF", async () => {
    const knowledgeDir = await folderWith("flu-notice.png", "notice.png");
    await copyFile(path.join(FIXTURES, "flu-notice-scanned.pdf"), path.join(knowledgeDir, "scanned.pdf"));
    await writeFile(path.join(knowledgeDir, "hours.md"), "# 门诊时间\n\n门诊周一至周五开放。\n");
    const indexDir = path.join(knowledgeDir, ".index");
    const embedder = { kind: "local" as const, batchSize: 64 };
    const first = await buildIndex({ knowledgeDir, indexDir, embedder });
    expect([...first.files.parsed].sort()).toEqual(["hours.md", "notice.png", "scanned.pdf"]);
    await writeFile(path.join(knowledgeDir, "hours.md"), "# 门诊时间\n\n门诊周一至周六开放。\n");
    const second = await buildIndex({ knowledgeDir, indexDir, embedder });
    expect(second.summary.changed).toEqual(["hours.md"]);
    expect(second.files.parsed).toEqual(["hours.md"]);
    expect([...second.files.reused].sort()).toEqual(["notice.png", "scanned.pdf"]);
    expect(second.summary.sources).toBe(first.summary.sources);
  }, 120_000);

  it("reads a PNG of Chinese text into a page source", async () => {
    const { sources, problems } = await loadKnowledge(await folderWith("flu-notice.png", "notice.png"));
    expect(problems).toEqual([]);
    expect(sources).toHaveLength(1);
    expect(sources[0].title).toBe("流感疫苗接种须知");
    expect(sources[0].text).toContain("每年秋季接种一次流感疫苗");
    expect(sources[0].text).toContain("接种后留观三十分钟");
  });

  it("reads a JPEG, and PNG bytes under a .jpg name (the bytes decide, not the name)", async () => {
    for (const [fixture, as] of [
      ["flu-notice.jpg", "notice.jpg"],
      ["flu-notice.png", "misnamed.jpg"],
    ]) {
      const { sources, problems } = await loadKnowledge(await folderWith(fixture, as));
      expect(problems).toEqual([]);
      expect(sources[0].title).toBe("流感疫苗接种须知");
    }
  });

  it("renders a PDF page without a text layer and reads it, reporting the seconds it took", async () => {
    const data = new Uint8Array(await readFile(path.join(FIXTURES, "flu-notice-scanned.pdf")));
    const document = await getDocument({ data }).promise;
    try {
      const page = await document.getPage(1);
      const textLayer = await page.getTextContent();
      expect(textLayer.items).toEqual([]);
      const result = await recognizePdfPage(page, { file: "scanned.pdf", pageNumber: 1, limits: DEFAULT_INDEX_LIMITS });
      if ("problem" in result) throw new Error(result.problem.message);
      expect(result.text).toContain("流感疫苗接种须知");
      expect(result.text).toContain("六个月以上的儿童和老人都应接种");
      expect(result.seconds).toBeGreaterThan(0);
      console.log(`OCR of one scanned A5 page at 200 dpi: ${result.seconds.toFixed(2)} s`);
    } finally {
      await document.destroy();
    }
  });

  it("indexes a scanned PDF in the knowledge folder from its OCR text, cited by page", async () => {
    const { sources, problems } = await loadKnowledge(await folderWith("flu-notice-scanned.pdf", "scanned.pdf"));
    expect(problems).toEqual([]);
    expect(sources).toHaveLength(1);
    expect(sources[0].text).toContain("每年秋季接种一次流感疫苗");
    expect(sources[0].locations?.[0]).toMatchObject({ unit: "page", number: 1 });
  });

  it("stops Tesseract at the page time limit and reports the file", async () => {
    const { sources, problems } = await loadKnowledge(await folderWith("flu-notice.png", "notice.png"), { ocrPageTimeoutMs: 1 });
    expect(sources).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ code: "SOURCE_TOO_LARGE", file: "notice.png" })]);
  });
});
