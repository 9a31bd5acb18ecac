import type { Chunk, SourceDoc } from "../core/types.js";

/**
 * The text embedded for a chunk: the source's title leads, because it says what the chunk is
 * about even when the chunk itself is a middle paragraph.
 */
export function embeddingText(source: SourceDoc, chunk: Chunk): string {
  return chunk.text.startsWith(source.title) ? chunk.text : `${source.title}\n${chunk.text}`;
}
