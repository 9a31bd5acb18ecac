/**
 * Bounds on what one re-index may read and build. Knowledge files are untrusted: without these a
 * single file could exhaust memory or keep a build busy for hours before anything says no.
 */
export interface IndexLimits {
  /** Largest knowledge file read, in bytes (`SOURCE_TOO_LARGE` past it). */
  maxFileBytes: number;
  /** Most chunks one re-index may hold; refused before embedding starts. */
  maxChunks: number;
  /** Largest Markdown front matter block, in bytes. */
  maxFrontMatterBytes: number;
  /** How long a re-index waits for another one to finish before failing with `INDEX_LOCKED`. */
  lockWaitMs: number;
  /** Most pages of a PDF or slides of a deck read from one file; a longer document is refused. */
  maxDocumentPages: number;
  /** Most rows read from one spreadsheet sheet; rows past it are left out with an error. */
  maxSheetRows: number;
  /**
   * Most bytes one compressed file may unpack to: an Office file (a zip) summed over the entries
   * read, a PDF summed over all its streams (zip and inflate bomb guard).
   */
  maxUnpackedBytes: number;
  /** Most bytes any one stream of a PDF (a page's content, a font, an image) may unpack to. */
  maxPdfStreamBytes: number;
  /**
   * Heap of the thread that parses one file, in MB: a file whose parsing needs more is reported
   * `SOURCE_TOO_LARGE` instead of taking the server's memory.
   */
  maxParseHeapMb: number;
  /** Longest OCR of one page or image, in ms, before it is stopped and the file reported. */
  ocrPageTimeoutMs: number;
  /** Tesseract languages for OCR, e.g. `chi_sim+eng`. */
  ocrLanguages: string;
  /** The Tesseract command (default `tesseract` on PATH); tests point it at a missing one. */
  ocrCommand?: string;
}

/** The defaults, applied here and by `src/config.ts`; the chunk limit is well above the 100k-chunk benchmark. */
export const DEFAULT_INDEX_LIMITS: IndexLimits = {
  maxFileBytes: 50 * 1024 * 1024,
  maxChunks: 1_000_000,
  maxFrontMatterBytes: 16 * 1024,
  lockWaitMs: 10_000,
  maxDocumentPages: 1000,
  maxSheetRows: 100_000,
  maxUnpackedBytes: 200 * 1024 * 1024,
  maxPdfStreamBytes: 64 * 1024 * 1024,
  maxParseHeapMb: 2048,
  ocrPageTimeoutMs: 60_000,
  ocrLanguages: "chi_sim+eng",
};
