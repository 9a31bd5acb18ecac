/**
 * What happens to a PDF page that has no text layer (a scan): the one place the PDF parser asks
 * for OCR (src/ingest/ocr/recognize-pdf-page.ts). A page OCR cannot read is reported and left
 * out; the rest of the document is still indexed.
 */
import type { PDFPageProxy } from "pdfjs-dist/types/src/display/api.js";
import type { IndexLimits } from "./index-limits.js";
import { recognizePdfPage } from "./ocr/recognize-pdf-page.js";
import type { SourceProblem } from "./source-problem.js";

export interface PageWithoutText {
  page: PDFPageProxy;
  pageNumber: number;
  file: string;
  limits: IndexLimits;
  signal?: AbortSignal;
}

/** Recognised text for the page (lines separated by newlines), if any, and problems to report. */
export interface RecognizedPage {
  text?: string;
  problems: SourceProblem[];
}

export async function pageWithoutText(request: PageWithoutText): Promise<RecognizedPage> {
  const { page, pageNumber, file, limits, signal } = request;
  const recognized = await recognizePdfPage(page, { file, pageNumber, limits, ...(signal ? { signal } : {}) });
  if ("problem" in recognized) return { problems: [recognized.problem] };
  if (recognized.text.trim() !== "") return { text: recognized.text, problems: [] };
  return {
    problems: [
      {
        severity: "warning",
        code: "SOURCE_NEEDS_OCR",
        file,
        message: `page ${pageNumber} has no text layer and OCR found no text on it; it was left out`,
        hint: "If the page has text, export it from its original with a text layer, or scan it again more sharply.",
      },
    ],
  };
}
