/**
 * The `KnowledgeBot` over a local index directory. It serves one loaded index version at a time;
 * a re-index builds the next version on disk and then swaps the in-memory reference, so queries
 * already running finish on the version they started with and none of them fails.
 */
import type { EmbedderConfig } from "../embeddings/create-embedder.js";
import { KnowledgeBotError } from "../core/errors.js";
import type { KnowledgeBot, KnowledgeBotEvent, ReindexOptions } from "../core/knowledge-bot.js";
import type { Logger } from "../core/logger.js";
import type { CondenseQuestion } from "../answer/condense-question.js";
import { isChitChatMessage } from "../retrieval/chit-chat.js";
import { preferEarlierTopic } from "../retrieval/prefer-earlier-topic.js";
import { resolveFollowUp, type FollowUpResolution } from "../retrieval/resolve-follow-up.js";
import type { Answer, IndexStats, Platform, Query, ReindexSummary, SearchHit } from "../core/types.js";
import { buildIndex, type ReindexProgress } from "../ingest/build-index.js";
import { DEFAULT_INDEX_LIMITS, type IndexLimits } from "../ingest/index-limits.js";
import { composeAnswer, DEFAULT_COMPOSE_OPTIONS } from "../retrieval/compose-answer.js";
import { cleanQuery } from "../retrieval/clean-query.js";
import { DEFAULT_RETRIEVAL_SETTINGS, retrieve, type RetrievalResult } from "../retrieval/retrieve.js";
import { normalizeText } from "../text/normalize-text.js";
import { readCurrentVersion } from "../store/index-layout.js";
import { indexStats, loadIndex, type LoadedIndex } from "../store/loaded-index.js";
import { type ReplicaLocks, withReplicaReindexLock } from "./replica-reindex-lock.js";

export interface LocalKnowledgeBotOptions {
  knowledgeDir: string;
  indexDir: string;
  embedder: EmbedderConfig;
  /** Bounds for re-indexes this bot runs; defaults where unset. */
  limits?: Partial<IndexLimits>;
  publicBaseUrl: string;
  /** Longest retrieval answer body in characters (ANSWER_MAX_CHARS); 300 when unset. */
  answerMaxChars?: number;
  /** A platform's own answer length (e.g. TELEGRAM_ANSWER_MAX_CHARS); platforms not named use `answerMaxChars`. */
  platformAnswerMaxChars?: Partial<Record<Platform, number>>;
  logger?: Logger;
  /**
   * Optional rewriting of the retrieval-only answer (the generative mode). It must keep to the
   * passages; on any error the retrieval-only answer is used.
   */
  rewriteAnswer?: (answer: Answer, question: string) => Promise<Answer>;
  /**
   * Optional reading of a follow-up by a chat model (the generative mode): the recent turns and the
   * message condensed into one standalone question. On any error the retrieval-side resolution is used.
   */
  condenseQuestion?: CondenseQuestion;
  onReindexProgress?: (progress: ReindexProgress) => void;
}

/**
 * The hits of a rewritten follow-up that contain its own heaviest word: "那吉林呢？" is answered by
 * a source about 吉林, not by the earlier 江苏 one the rest of the rewritten question matches best.
 * Undefined when none does.
 */
/** Hits of a rewritten follow-up searched for one about its own words (retrieval fetches 30 candidates anyway). */
const FOLLOW_UP_CANDIDATES = 30;

/**
 * A follow-up joined to the earlier question's words is judged by the subject checks alone: the
 * answer model was fitted on questions as people type them, each standing alone, and a joined one
 * ("江苏省医保怎么激话" from "吉林省医保怎么激话" and "那江苏呢") reads like none of them.
 */
const JOINED_FOLLOW_UP_SETTINGS = { ...DEFAULT_RETRIEVAL_SETTINGS, minAnswerProbability: 0 };

function keepHitsAbout(result: RetrievalResult, resolution: FollowUpResolution, limit: number): RetrievalResult | undefined {
  const focus = resolution.focusWords[0];
  if (focus === undefined) return result;
  // A compound jieba cut differently in the source ("能治好") counts when each of its bigrams is there.
  const parts = focus.length > 2 ? Array.from({ length: focus.length - 1 }, (_, index) => focus.slice(index, index + 2)) : [focus];
  const about = (hit: SearchHit) => {
    const text = normalizeText(`${hit.title}\n${hit.passages.map((passage) => passage.text).join("\n")}`);
    return text.includes(focus) || parts.every((part) => text.includes(part));
  };
  const hits = result.hits.filter(about).slice(0, limit);
  return hits.length === 0 ? undefined : { ...result, hits };
}

export class LocalKnowledgeBot implements KnowledgeBot {
  private index: LoadedIndex;
  private readonly options: LocalKnowledgeBotOptions;
  private readonly listeners = new Set<(event: KnowledgeBotEvent) => void>();
  private reindexing: Promise<unknown> = Promise.resolve();
  /** The running re-index's last progress report, for the admin console. */
  private progress: ReindexProgress | undefined;
  /** Aborted by `close()`: stops the running re-index and refuses new ones. */
  private readonly closing = new AbortController();
  /** The lock every replica sharing the state store takes around a re-index (see useReplicaLocks). */
  private replicaLocks?: ReplicaLocks;

  private constructor(index: LoadedIndex, options: LocalKnowledgeBotOptions) {
    this.index = index;
    this.options = options;
  }

  /**
   * Opens the index; with `buildIfMissing`, builds it first when none exists yet (first start) or
   * when it was written by an older version (an upgrade): the index is derived from the folder.
   */
  static async open(options: LocalKnowledgeBotOptions, { buildIfMissing = false } = {}): Promise<LocalKnowledgeBot> {
    try {
      return new LocalKnowledgeBot(await loadIndex(options.indexDir, options.embedder), options);
    } catch (error) {
      const rebuildable = error instanceof KnowledgeBotError && (error.code === "INDEX_MISSING" || error.code === "INDEX_OUTDATED");
      if (!(buildIfMissing && rebuildable)) throw error;
      options.logger?.info({ knowledgeDir: options.knowledgeDir, indexDir: options.indexDir, reason: error.message }, "building the index");
      const { summary } = await buildIndex({ ...options, onProgress: options.onReindexProgress });
      options.logger?.info({ sources: summary.sources, chunks: summary.chunks, durationMs: Math.round(summary.durationMs) }, "index built");
      return new LocalKnowledgeBot(await loadIndex(options.indexDir, options.embedder), options);
    }
  }

  /** The loaded index now serving (for hit testing and source pages). */
  get current(): LoadedIndex {
    return this.index;
  }

  async retrieve(questionText: string, limit = 10): Promise<RetrievalResult> {
    return retrieve(this.index, questionText, limit);
  }

  async answer(query: Query): Promise<Answer> {
    const index = this.index;
    const { result, understoodAs } = await this.retrieveFollowingUp(index, query);
    const composed = composeAnswer(result, index.sources, {
      ...DEFAULT_COMPOSE_OPTIONS,
      publicBaseUrl: this.options.publicBaseUrl,
      maxAnswerChars: this.answerMaxChars(query.platform),
      termWeight: (term) => index.keywordIndex.idf(term),
    });
    const answer = understoodAs === undefined ? composed : { ...composed, understoodAs };
    if (answer.noAnswer || !this.options.rewriteAnswer) return answer;
    try {
      const rewritten = await this.options.rewriteAnswer(answer, result.query);
      return understoodAs === undefined ? rewritten : { ...rewritten, understoodAs };
    } catch (error) {
      this.options.logger?.warn({ err: error }, "answer rewriting failed; sending the retrieval-only answer");
      return answer;
    }
  }

  /** The answer length for a platform: its own setting, else the core one, else the default. */
  answerMaxChars(platform: Platform): number {
    return this.options.platformAnswerMaxChars?.[platform] ?? this.options.answerMaxChars ?? DEFAULT_COMPOSE_OPTIONS.maxAnswerChars;
  }

  /**
   * Retrieval for a message of a conversation: with earlier turns, a follow-up is first made a
   * standalone question (by the chat model when one is configured, else from the index's
   * statistics); `understoodAs` is that question when it differs from the message.
   */
  private async retrieveFollowingUp(index: LoadedIndex, query: Query): Promise<{ result: RetrievalResult; understoodAs?: string }> {
    const history = query.history ?? [];
    if (history.length === 0) return { result: await retrieve(index, query.text, 10) };
    const condensed = await this.condense(query.text, history);
    if (condensed !== undefined) {
      const result = await retrieve(index, condensed, 10);
      return condensed === result.query && condensed !== cleanQuery(query.text) ? { result, understoodAs: condensed } : { result };
    }
    const resolution = resolveFollowUp(index.keywordIndex, query.text, history);
    if (resolution.rewritten) {
      // Looked for among more hits than are shown: the follow-up's word may rank below the earlier topic's sources.
      const focused = keepHitsAbout(await retrieve(index, resolution.question, FOLLOW_UP_CANDIDATES, JOINED_FOLLOW_UP_SETTINGS), resolution, 10);
      if (focused) return { result: focused, understoodAs: resolution.question };
    }
    // Not a follow-up, or the rewrite found nothing about the follow-up's own words: the message as it stands,
    // its near-tied sources read in the light of the earlier question.
    let standing = await retrieve(index, query.text, 10);
    // A message that names no subject of its own ("已经交了能退吗") leans on the conversation: the subject
    // checks judge it as they judge a joined follow-up, and the earlier question picks among near-ties.
    if (standing.noAnswer && (standing.confidence.subjects ?? []).length === 0) standing = await retrieve(index, query.text, 10, JOINED_FOLLOW_UP_SETTINGS);
    return { result: preferEarlierTopic(standing, history, (term) => index.keywordIndex.idf(term)) };
  }

  private async condense(message: string, history: NonNullable<Query["history"]>): Promise<string | undefined> {
    if (!this.options.condenseQuestion) return undefined;
    try {
      return cleanQuery(await this.options.condenseQuestion(message, history)) || undefined;
    } catch (error) {
      this.options.logger?.warn({ err: error }, "condensing the follow-up failed; resolving it from the index");
      return undefined;
    }
  }

  async search(queryText: string, limit = 10): Promise<SearchHit[]> {
    return (await retrieve(this.index, queryText, limit)).hits;
  }

  reindex({ reason, ...options }: ReindexOptions = {}): Promise<ReindexSummary> {
    // Re-indexes from this process run one after another; other processes are kept out by the lock.
    const run = this.reindexing.then(async () => {
      try {
        // The build pauses every ~50 ms, so questions keep being answered while it runs.
        const build = (lockLost?: AbortSignal) =>
          buildIndex({
            ...this.options,
            ...options,
            onProgress: (progress) => {
              this.progress = progress;
              this.options.onReindexProgress?.(progress);
            },
            signal: lockLost ? AbortSignal.any([this.closing.signal, lockLost]) : this.closing.signal,
          });
        // A dry run writes nothing, so it needs no lock (as in buildIndex).
        const { summary } =
          this.replicaLocks && !options.dryRun
            ? await withReplicaReindexLock(
                this.replicaLocks,
                { waitMs: this.options.limits?.lockWaitMs ?? DEFAULT_INDEX_LIMITS.lockWaitMs, signal: this.closing.signal, logger: this.options.logger },
                build,
              )
            : await build();
        if (!options.dryRun) {
          this.index = await loadIndex(this.options.indexDir, this.options.embedder).catch((error: unknown) => {
            // E.g. a file damaged on disk after it was written (INDEX_CORRUPT): the loaded version keeps serving.
            this.options.logger?.error(
              { err: error, version: summary.version, serving: this.index.version },
              "the re-indexed version cannot be loaded; still serving the loaded version",
            );
            throw error;
          });
          this.emit({ type: "reindexed", summary, reason });
        }
        return summary;
      } catch (error) {
        this.emit({ type: "reindex-failed", error: error as Error, reason });
        throw error;
      } finally {
        this.progress = undefined;
      }
    });
    this.reindexing = run.catch(() => undefined);
    return run;
  }

  /** Where the re-index running in this process is, or undefined when none is. */
  reindexProgress(): ReindexProgress | undefined {
    return this.progress;
  }

  /**
   * From now on a re-index also takes the "reindex" lock of the state store every replica shares,
   * besides the index folder's file lock; another replica's re-index makes it wait, then INDEX_LOCKED.
   */
  useReplicaLocks(locks: ReplicaLocks): void {
    this.replicaLocks = locks;
  }

  /**
   * Switches to the version CURRENT names when another process (e.g. `kb reindex`) published a new
   * one; true when it switched. Queued behind this process's re-indexes so an older load never wins.
   */
  reload(): Promise<boolean> {
    const run = this.reindexing.then(async () => {
      const version = await readCurrentVersion(this.options.indexDir);
      if (!version || version === this.index.version) return false;
      // A version that fails to load (INDEX_CORRUPT, ...) throws here and leaves the loaded one serving.
      this.index = await loadIndex(this.options.indexDir, this.options.embedder);
      return true;
    });
    this.reindexing = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops a running re-index (it fails with REINDEX_INTERRUPTED, removes its staging folder and
   * leaves CURRENT as it was) and waits for it to wind down; later re-indexes fail the same way.
   * The loaded index keeps answering until the process ends.
   */
  async close(): Promise<void> {
    if (!this.closing.signal.aborted) this.closing.abort("the server is shutting down");
    await this.reindexing;
  }

  stats(): IndexStats {
    return indexStats(this.index);
  }

  exampleQuestions(limit = 3): string[] {
    const titles: string[] = [];
    for (const source of this.index.sources.values()) {
      if (titles.length >= limit) break;
      // A greeting saved as an answer (an older admin answer) is no example of what the folder knows.
      if (source.kind !== "excerpt" && source.title.length <= 40 && !isChitChatMessage(source.title)) titles.push(source.title);
    }
    return titles;
  }

  on(listener: (event: KnowledgeBotEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: KnowledgeBotEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger?.error({ err: error }, "a knowledge bot listener failed");
      }
    }
  }
}
