/**
 * The chunk ceiling of one re-index, checked after chunking and before any embedding: a folder that
 * would build an index too large is refused while nothing has been spent on it and nothing written.
 */
import { KnowledgeBotError } from "../core/errors.js";

export function assertChunkCountWithinLimit(chunkCount: number, maxChunks: number): void {
  if (chunkCount <= maxChunks) return;
  throw new KnowledgeBotError(
    "INDEX_TOO_LARGE",
    `This re-index would hold ${chunkCount} chunks, more than the limit of ${maxChunks} (MAX_CHUNKS); nothing was embedded or written and the serving index is unchanged.`,
    "Remove or split the largest sources in the knowledge folder, or raise MAX_CHUNKS if an index this large is intended (it needs memory and disk in proportion).",
  );
}
