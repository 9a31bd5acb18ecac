/**
 * One image (a scanned page or a picture file) through Tesseract, with every way it can fail turned
 * into a problem that names the file: Tesseract or its language data missing (`SOURCE_NEEDS_OCR`,
 * naming the Debian packages), too slow (stopped at `ocrPageTimeoutMs`, `SOURCE_TOO_LARGE`), or an image it cannot read.
 */
import type { IndexLimits } from "../index-limits.js";
import type { SourceProblem } from "../source-problem.js";
import { DEFAULT_TESSERACT_COMMAND, OcrTimeoutError, detectTesseract, recognizeImage } from "./tesseract.js";

export interface OcrTarget {
  file: string;
  /** "page 3" for a PDF page, "image" for a picture file: how messages name what was read. */
  what: string;
  limits: IndexLimits;
  signal?: AbortSignal;
}

/** Recognised text (possibly empty) and the seconds OCR took, or the problem. */
export type OcrResult = { text: string; seconds: number } | { problem: SourceProblem };

export async function ocrImage(image: Buffer, target: OcrTarget): Promise<OcrResult> {
  const { file, what, limits } = target;
  const command = limits.ocrCommand ?? DEFAULT_TESSERACT_COMMAND;
  const availability = await detectTesseract(command, limits.ocrLanguages);
  if (!availability.available) {
    return {
      problem: {
        severity: "error",
        code: "SOURCE_NEEDS_OCR",
        file,
        message: `${what} is a scanned image and needs OCR, but ${availability.reason}`,
        hint: `Install the Debian packages ${availability.packages.join(" ")} (apt-get install ${availability.packages.join(" ")}), or replace the file with one that has a text layer.`,
      },
    };
  }
  const started = performance.now();
  try {
    const raw = await recognizeImage(image, { command, languages: limits.ocrLanguages, timeoutMs: limits.ocrPageTimeoutMs, signal: target.signal });
    return { text: tidyRecognizedText(raw), seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (error instanceof OcrTimeoutError) {
      return {
        problem: {
          severity: "error",
          // Over a limit, like MAX_FILE_BYTES: the file is fine, it is too much work to read.
          code: "SOURCE_TOO_LARGE",
          file,
          message: `OCR of ${what} took longer than ${limits.ocrPageTimeoutMs} ms (OCR_PAGE_TIMEOUT_MS) and was stopped`,
          hint: "Use a smaller or cleaner scan, a file with a text layer, or raise OCR_PAGE_TIMEOUT_MS.",
        },
      };
    }
    return {
      problem: {
        severity: "error",
        code: "SOURCE_MALFORMED",
        file,
        message: `OCR could not read ${what}: ${(error as Error).message}`,
        hint: "Check that the file opens in an image viewer; save it again as PNG or JPEG.",
      },
    };
  }
}

/**
 * Tesseract puts a space between CJK characters it read as separate words and ends pages with a
 * form feed; both would split words the index matches on.
 */
export function tidyRecognizedText(raw: string): string {
  return raw
    .replace(/\f/g, "")
    .replace(/(?<=[\u3000-\u9fff\uff00-\uffef])[ \t]+(?=[\u3000-\u9fff\uff00-\uffef])/g, "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
