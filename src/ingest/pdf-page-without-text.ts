/**
 * What happens to a PDF page that has no text layer (a scan). The one place the PDF parser asks
 * for OCR, so wiring in recognition is a change to this file only. Until recognition is there the
 * page is reported as needing OCR and left out; the rest of the document is still indexed.
 */
import type { IndexLimits } from "./index-limits.js";
import type { SourceProblem } from "./source-problem.js";

export interface PageWithoutText {
  /** The pdf.js page (a PDFPageProxy), for a recogniser that renders it. */
  page: unknown;
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
  return {
    problems: [
      {
        severity: "warning",
        code: "SOURCE_NEEDS_OCR",
        file: request.file,
        message: `page ${request.pageNumber} has no text layer (a scanned page?); it was left out`,
        hint: "Export the page from its original with text, or run OCR on the PDF (e.g. ocrmypdf) and replace the file.",
      },
    ],
  };
}
