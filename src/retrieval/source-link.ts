/**
 * The one place a citation's link is built, so every surface (answers, related sources, the search
 * API) opens a source at the same spot: the passage's chunk on the bot's own page, or the page or
 * slide of a paged document.
 */
import type { SourceLocation } from "../core/types.js";

export interface LinkTarget {
  /** Chunk of the quoted passage; anchors the bot's source page at `#chunk-n`. */
  chunkIndex?: number;
  /** Page or slide of the quoted passage, when the source is a paged document. */
  location?: SourceLocation;
}

/**
 * The source's own URL (with `#page=N`, the PDF open-parameter convention, for a page), or the
 * bot's `/kb/<id>` page anchored at the page or slide (`#page-2`, `#slide-3`) or else the chunk.
 */
export function sourceLink(publicBaseUrl: string, sourceId: string, url: string | undefined, target: LinkTarget = {}): string {
  const { chunkIndex, location } = target;
  if (url) return location?.unit === "page" && !url.includes("#") ? `${url}#page=${location.number}` : url;
  const page = `${publicBaseUrl}/kb/${encodeURIComponent(sourceId)}`;
  if (location) return `${page}#${location.unit}-${location.number}`;
  return chunkIndex === undefined ? page : `${page}#chunk-${chunkIndex}`;
}
