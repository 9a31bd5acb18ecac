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
}

/** The defaults, applied here and by `src/config.ts`; the chunk limit is well above the 100k-chunk benchmark. */
export const DEFAULT_INDEX_LIMITS: IndexLimits = {
  maxFileBytes: 50 * 1024 * 1024,
  maxChunks: 1_000_000,
  maxFrontMatterBytes: 16 * 1024,
  lockWaitMs: 10_000,
};
