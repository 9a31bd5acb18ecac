/**
 * How the console names a source: by its title, which a person recognises, with the source id (the
 * file, or a FAQ row's id) on hover. A source no longer in the index shows its id.
 */
import type { SourceDoc } from "../../core/types.js";
import { escapeHtml } from "../escape-html.js";

/** A link to the source page showing the title, with the id in the `title` attribute. */
export function sourceLinkHtml(sourceId: string, sources: ReadonlyMap<string, SourceDoc>): string {
  const title = sources.get(sourceId)?.title || sourceId;
  return `<a href="/kb/${encodeURIComponent(sourceId)}" title="${escapeHtml(sourceId)}">${escapeHtml(title)}</a>`;
}

/** The title as plain text, with the id on hover. */
export function sourceNameHtml(sourceId: string, sources: ReadonlyMap<string, SourceDoc>): string {
  const title = sources.get(sourceId)?.title || sourceId;
  return `<span class="source-name" title="${escapeHtml(sourceId)}">${escapeHtml(title)}</span>`;
}
