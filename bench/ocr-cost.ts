/**
 * OCR seconds per page with Debian's Tesseract (chi_sim+eng): the Chinese notice image and the
 * scanned PDF page from test/fixtures/ocr/, each read a few times; the median is reported. Without
 * Tesseract the section says so instead. Run alone with `npx tsx bench/ocr-cost.ts`, or in `npm run bench`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { DEFAULT_INDEX_LIMITS } from "../src/ingest/index-limits.js";
import { ocrImage } from "../src/ingest/ocr/ocr-image.js";
import { recognizePdfPage } from "../src/ingest/ocr/recognize-pdf-page.js";

/** The fixtures, from bench/ (tsx) or dist/bench/ (npm run bench). */
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), import.meta.url.includes("/dist/") ? "../.." : "..", "test/fixtures/ocr");

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function benchOcr(rounds = 3): Promise<Record<string, unknown>> {
  const limits = DEFAULT_INDEX_LIMITS;
  const image = await readFile(path.join(fixtures, "flu-notice.png"));
  const imageSeconds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const result = await ocrImage(image, { file: "flu-notice.png", what: "the image", limits });
    if ("problem" in result) return { skipped: result.problem.message, hint: result.problem.hint };
    imageSeconds.push(result.seconds);
  }
  const document = await getDocument({ data: new Uint8Array(await readFile(path.join(fixtures, "flu-notice-scanned.pdf"))) }).promise;
  const pageSeconds: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      const result = await recognizePdfPage(await document.getPage(1), { file: "flu-notice-scanned.pdf", pageNumber: 1, limits });
      if ("problem" in result) return { skipped: result.problem.message, hint: result.problem.hint };
      pageSeconds.push((performance.now() - started) / 1000);
    }
  } finally {
    await document.destroy();
  }
  return {
    languages: limits.ocrLanguages,
    imageSecondsPerPage: +median(imageSeconds).toFixed(2),
    scannedPdfSecondsPerPage: +median(pageSeconds).toFixed(2),
    note: "808x380 px PNG; A5 PDF page rendered at 200 dpi, render included",
  };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${JSON.stringify({ section: "ocr", ...(await benchOcr()) })}\n`);
