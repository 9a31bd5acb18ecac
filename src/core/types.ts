/**
 * Plain data that flows through the bot. Nothing here knows a chat platform:
 * adapters translate platform messages into a `Query` and render an `Answer`.
 */

/** How a source was found in the knowledge folder. */
export type SourceKind = "page" | "excerpt" | "markdown" | "html" | "faq" | "document";

/** One citable unit of knowledge: an article, a related-item excerpt, or one FAQ row. */
export interface SourceDoc {
  /** Stable id: the path relative to knowledge/, `path#related-N`, an FAQ row's `id`, or `path#row-N`. */
  sourceId: string;
  title: string;
  /** The source's own link, when it has one; otherwise citations use the bot's `/kb/{sourceId}` page. */
  url?: string;
  category?: string;
  date?: string;
  tags?: string[];
  kind: SourceKind;
  /** For Q&A sources: the question as asked (usually equal to the title). */
  question?: string;
  /** The readable body text, paragraphs separated by blank lines. */
  text: string;
  /** True when the source itself carries the medical disclaimer or is marked `disclaimer: true`. */
  disclaimer: boolean;
  /** File the source came from, relative to the knowledge folder. */
  file: string;
  /** sha256 of everything above that affects the index; unchanged hash means nothing to re-embed. */
  contentHash: string;
  /**
   * For paged documents (PDF pages, deck slides): where each page starts in `text`, in order, so
   * chunking can tell every chunk its page. `offset` counts UTF-16 code units from the text's start.
   */
  locations?: TextLocation[];
}

/** A page or slide of a paged document and where its text starts in the source's `text`. */
export interface TextLocation extends SourceLocation {
  offset: number;
}

/** A 1-based page of a PDF or slide of a deck: where a passage of a paged document sits. */
export interface SourceLocation {
  unit: "page" | "slide";
  number: number;
}

/** A piece of a source small enough to embed; `chunkId` is `sourceId#n`. */
export interface Chunk {
  chunkId: string;
  sourceId: string;
  /** Position of the chunk within its source, from 0. */
  index: number;
  /** The text that is embedded and quoted (a Q&A chunk keeps its question in it). */
  text: string;
  /** Page or slide the chunk starts on, for paged documents. */
  location?: SourceLocation;
}

/** How sources are cut into chunks (ingest chunks with them; an index's manifest records them). */
export interface ChunkOptions {
  /** Longest chunk in characters. */
  maxChars: number;
  /** Characters of whole sentences repeated at the start of the next chunk. */
  overlapChars: number;
  /** A Q&A source whose question and answer fit in this many characters stays one chunk. */
  singleChunkQaChars: number;
}

/** Where a question came from; adapters fill in what they know. */
export type Platform = "telegram" | "wecom" | "web" | "cli" | "eval";

/** One earlier exchange of a conversation, as follow-up resolution needs it. */
export interface ConversationTurn {
  /** The user's words, as received (already cleaned of mentions). */
  question: string;
  /** What retrieval ran on (equal to `question` unless it was rewritten). */
  resolvedQuestion: string;
  /** Sources the answer cited; empty for a no-answer. */
  citedSourceIds: string[];
  /** Epoch milliseconds. */
  at: number;
  /** The answer's id in the question log, so a "有用" / "没用" reply can name it. */
  answerId?: string;
}

export interface Query {
  /** The user's words as received (mentions and commands may still be in it; retrieval cleans them). */
  text: string;
  platform: Platform;
  userId?: string;
  chatId?: string;
  /** Earlier turns of the conversation, oldest first; a follow-up is resolved against them. */
  history?: ConversationTurn[];
}

/** A retrieved chunk with its source's metadata and a relevance score (higher is better). */
export interface Passage {
  chunkId: string;
  sourceId: string;
  chunkIndex: number;
  title: string;
  url?: string;
  text: string;
  score: number;
  category?: string;
  date?: string;
  /** Page or slide the passage starts on, for paged documents. */
  location?: SourceLocation;
}

/** A numbered reference in an answer. `url` always resolves: the source's own or the bot's source page. */
export interface Citation {
  n: number;
  sourceId: string;
  title: string;
  url: string;
}

/** A follow-up suggestion: another close source. */
export interface RelatedSource {
  sourceId: string;
  title: string;
  url: string;
}

/** One paragraph of an answer and the citation numbers (Citation.n) it rests on. */
export interface AnswerParagraph {
  /** Plain text: no `[n]` markers, no markup, never the disclaimer. */
  text: string;
  /** Citation numbers in the order the paragraph cites them; empty for a no-answer. */
  citations: number[];
}

/** What the user reads, before any platform formatting. */
export interface Answer {
  /** The body, without markers and without the disclaimer: what every renderer draws. */
  paragraphs: AnswerParagraph[];
  /**
   * The reply as plain text for API users and `kb ask --json`, built from `paragraphs` by
   * `answerText` (src/answer/answer-text.ts): each paragraph followed by its `[n]` markers and,
   * when `disclaimer` is true, a last paragraph holding exactly `MEDICAL_DISCLAIMER`. No renderer
   * reads it; adapters render `paragraphs`, `citations` and `related` in their own format.
   */
  text: string;
  passages: Passage[];
  citations: Citation[];
  disclaimer: boolean;
  related: RelatedSource[];
  noAnswer: boolean;
  /**
   * On a no-answer to a question in the folder's domain: what the knowledge base lacks, named as
   * the reply names it ("北京医保在上海使用", "补办"). The unanswered queue groups by it.
   */
  missingSubject?: string;
  /** The standalone question retrieval ran on; set only when a follow-up was rewritten. */
  understoodAs?: string;
}

/** One hit of the retrieval layer: the best chunk of one source. */
export interface SearchHit {
  sourceId: string;
  title: string;
  url?: string;
  score: number;
  passages: Passage[];
}

/** What a re-index changed. */
export interface ReindexSummary {
  version: string | null;
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
  sources: number;
  chunks: number;
  embeddedChunks: number;
  errors: { file: string; line?: number; code: string; message: string }[];
  /**
   * Every problem of the knowledge folder, warnings included, as `kb reindex` prints them (a build
   * writes it; a summary made elsewhere may leave it out).
   */
  problems?: { severity: "error" | "warning"; file: string; line?: number; code: string; message: string; hint: string }[];
  dryRun: boolean;
  full: boolean;
  durationMs: number;
}

/**
 * Where a running re-index is: its phase (loading the folder, embedding, writing the version), the
 * step within it (reading files, segmenting, keywords, graph, files, checksums…) and a count of
 * what that step has done out of its total (files, chunks; 0/1 and 1/1 for a step without items).
 */
export interface ReindexProgress {
  phase: "loading" | "embedding" | "writing";
  step?: string;
  done: number;
  total: number;
}

/** Counts shown by /healthz, /stats and the admin commands. */
export interface IndexStats {
  version: string;
  builtAt: string;
  sources: number;
  chunks: number;
  embedder: { id: string; model: string; dimensions: number };
}
