/**
 * What the HTTP server needs from the bot: the `KnowledgeBot` every adapter uses, plus read access
 * to the index now serving (source pages) and raw retrieval (the hit-testing view).
 */
import type { KnowledgeBot } from "../core/knowledge-bot.js";
import type { Chunk, ReindexProgress, SourceDoc } from "../core/types.js";
import type { RetrievalResult } from "../retrieval/retrieve.js";

export interface ServedIndex {
  version: string;
  sources: Map<string, SourceDoc>;
  chunks: Chunk[];
}

export interface ServedBot extends KnowledgeBot {
  /** The index serving now; read it once per request so one request sees one version. */
  readonly current: ServedIndex;
  /** Ranked hits with scores and the no-answer confidence, for hit testing. */
  retrieve(questionText: string, limit?: number): Promise<RetrievalResult>;
  /** Switches to the version on disk when another process re-indexed; true when it switched. */
  reload?(): Promise<boolean>;
  /** Where a re-index running in this process is (phase, step, counts), or undefined when none is. */
  reindexProgress?(): ReindexProgress | undefined;
}
