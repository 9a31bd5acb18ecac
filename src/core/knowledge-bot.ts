/**
 * The one interface adapters talk to. The web server, the CLI, Telegram and WeCom all hold a
 * `KnowledgeBot`; none of them reaches into retrieval or the index directly.
 */
import type { Answer, IndexStats, Query, ReindexSummary, SearchHit } from "./types.js";

export interface ReindexOptions {
  /** Re-embed every source instead of only the changed ones. */
  full?: boolean;
  /** Compute and report the diff without writing anything. */
  dryRun?: boolean;
  /** Who asked for it ("console", "api", "admin-answer", ...), kept in the re-index history. */
  reason?: string;
}

/** Events an adapter may want to push elsewhere (e.g. a WeCom group webhook notice). */
export type KnowledgeBotEvent = { type: "reindexed"; summary: ReindexSummary; reason?: string } | { type: "reindex-failed"; error: Error; reason?: string };

export interface KnowledgeBot {
  /** Answers one question. "Nothing found" is an `Answer` with `noAnswer: true`, never an error. */
  answer(query: Query): Promise<Answer>;
  /** Ranked sources for a question, without composing a reply (hit testing, `kb search`). */
  search(queryText: string, limit?: number): Promise<SearchHit[]>;
  /** Incremental re-index of the knowledge folder; the running bot switches to the new index when it ends. */
  reindex(options?: ReindexOptions): Promise<ReindexSummary>;
  /** Version and counts of the index now serving. */
  stats(): IndexStats;
  /** A few questions the knowledge base can answer, for /start and /help texts. */
  exampleQuestions(limit?: number): string[];
  /** Subscribes to events; returns the function that unsubscribes. */
  on(listener: (event: KnowledgeBotEvent) => void): () => void;
}
