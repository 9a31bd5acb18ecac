/**
 * OCR of one PDF page that has no text layer: the PDF parser calls this for such a page and gets
 * the page's text back, or the problem that names the file (Tesseract missing, OCR too slow).
 * The page is rendered with pdf.js onto an @napi-rs/canvas (pdf.js's own optional dependency for
 * Node) at 200 dpi and handed to Tesseract as a PNG.
 */
import type { PDFPageProxy } from "pdfjs-dist/types/src/display/api.js";
import type { IndexLimits } from "../index-limits.js";
import type { SourceProblem } from "../source-problem.js";
import { ocrImage } from "./ocr-image.js";

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

/**
 * 200 dpi (pdf.js units are 1/72 inch): body text reads well, and headings do not grow so large that
 * Tesseract takes them for pictures, as they did at 300 dpi on the test scan.
 */
const RENDER_SCALE = 200 / 72;
/** A page larger than this many pixels at 200 dpi (about A1) is rendered at a lower scale instead. */
const MAX_RENDER_PIXELS = 40_000_000;

export async function recognizePdfPage(page: PDFPageProxy, context: PageRecognitionContext): Promise<PageRecognition> {
  const what = `page ${context.pageNumber}`;
  let image: Buffer;
  try {
    image = await renderPage(page);
  } catch (error) {
    return {
      problem: {
        severity: "error",
        code: "SOURCE_NEEDS_OCR",
        file: context.file,
        message: `${what} has no text layer and could not be rendered for OCR: ${(error as Error).message}`,
        hint: "Reinstall the npm packages (pdfjs-dist's optional @napi-rs/canvas renders pages), or add a text layer to the PDF.",
      },
    };
  }
  return ocrImage(image, { file: context.file, what, limits: context.limits, signal: context.signal });
}

async function renderPage(page: PDFPageProxy): Promise<Buffer> {
  // Loaded on first use: only scanned pages need it, and a missing native build is then reported per file.
  const { createCanvas } = await import("@napi-rs/canvas");
  const unscaled = page.getViewport({ scale: 1 });
  const fit = Math.sqrt(MAX_RENDER_PIXELS / Math.max(1, unscaled.width * unscaled.height));
  const viewport = page.getViewport({ scale: Math.min(RENDER_SCALE, fit) });
  const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
  const canvasContext = canvas.getContext("2d");
  // OCR reads dark on light; a transparent page would come out black.
  canvasContext.fillStyle = "#ffffff";
  canvasContext.fillRect(0, 0, canvas.width, canvas.height);
  await page.render({ canvas: canvas as unknown as HTMLCanvasElement, canvasContext: canvasContext as unknown as CanvasRenderingContext2D, viewport }).promise;
  return canvas.encode("png");
}
