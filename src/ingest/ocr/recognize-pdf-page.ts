/**
 * OCR of one PDF page that has no text layer: the PDF parser calls this for such a page and gets
 * the page's text back, or the problem that names the file (Tesseract missing, OCR too slow).
 */
import type { PDFPageProxy } from "pdfjs-dist/types/src/display/api.js";
import type { IndexLimits } from "../index-limits.js";
import type { SourceProblem } from "../source-problem.js";

export interface PageRecognitionContext {
  /** Path relative to the knowledge folder, for the problem's `file`. */
  file: string;
  /** 1-based page number, for messages. */
  pageNumber: number;
  limits: IndexLimits;
  signal?: AbortSignal;
}

/** The recognised text (possibly empty) and how long OCR took, or why the page could not be read. */
export type PageRecognition = { text: string; seconds: number } | { problem: SourceProblem };

export async function recognizePdfPage(page: PDFPageProxy, context: PageRecognitionContext): Promise<PageRecognition> {
  void page;
  return {
    problem: {
      severity: "error",
      code: "SOURCE_NEEDS_OCR",
      file: context.file,
      message: `page ${context.pageNumber} has no text layer and OCR is not available yet`,
      hint: "Install Debian's tesseract-ocr and tesseract-ocr-chi-sim packages, or add a text layer to the PDF.",
    },
  };
}
