/**
 * Hybrid retrieval: HNSW dense search plus BM25F keyword search, each collapsed to one score per
 * source (its best chunk), fused, and judged against a calibrated threshold so an off-topic
 * question gets "no answer" instead of a random passage.
 */
import type { Passage, SearchHit, SourceDoc } from "../core/types.js";
import type { LoadedIndex } from "../store/loaded-index.js";
import { searchVectorStore } from "../store/vector-store.js";
import { cleanQuery } from "./clean-query.js";
import { normalizedScoreFusion, type RankedSource } from "./fuse-rankings.js";
import { domainSpecificity } from "./domain-specificity.js";
import { keywordTerms } from "../text/keyword-terms.js";
import { titleCoverage } from "./title-coverage.js";
import { questionAspects, sharesAspect, type QuestionAspect } from "./question-aspect.js";
import { normalizeText } from "../text/normalize-text.js";
import { questionSubjects, type SubjectBars } from "./question-subjects.js";
import { folderHolds } from "./folder-text.js";
import { nameAttribute } from "./asked-attribute.js";
import { judgeSubjects, nameMissing, type SubjectVerdict } from "./subject-coverage.js";
import { chooseAnswer, nameWhatTheSourceLacks, type CandidateJudgement } from "./answer-choice.js";

export interface RetrievalSettings {
  /** Chunks fetched from each of the two searches before fusion. */
  candidates: number;
  denseWeight: number;
  keywordWeight: number;
  /**
   * An answer needs both: the question must use the folder's own vocabulary (domain specificity,
   * see domain-specificity.ts) and the best source must match a minimum share of the question's
   * keyword weight. See docs/no-answer-decision.md for how they were chosen.
   */
  minDomainSpecificity: number;
  minKeywordCoverage: number;
  /**
   * The source answered from must also cover what the question is about: its subject words
   * (question-subjects.ts, with these bars on general-Chinese rarity), judged by subject-coverage.ts.
   */
  subjectBars: SubjectBars;
  /** Weight of title coverage (see title-coverage.ts) added to the fused score of the best candidates. */
  titleCoverageWeight: number;
  /**
   * Added to the fused score of a source whose title asks about the same aspect of its topic as the
   * question (question-aspect.ts: the cause, the signs, the cost …), among the re-ranked ones.
   */
  aspectWeight: number;
  /** How many of the best fused sources are re-scored with title coverage. */
  rerankDepth: number;
  /** How many of the best sources a short question's subjects are looked for in (subject-coverage.ts). */
  subjectCandidates: number;
  /** Folders of at most this many sources are judged on every subject of a question (subject-coverage.ts). */
  maxSourcesForWholeQuestion: number;
  /**
   * On such a small folder the answer model (answer-model.ts) scores the best `answerCandidates`
   * sources; the likeliest answers if its probability reaches this, else nothing does. 0 leaves the
   * decision to the subject checks alone, as on a large folder.
   */
  minAnswerProbability: number;
  answerCandidates: number;
  /**
   * The model was fitted on folders of ten to twenty-one sources; a folder of fewer than this many (one
   * handbook, a four-row table) offers it nothing to compare, and the subject checks decide there.
   */
  minSourcesForAnswerModel: number;
}

/**
 * Measured on the medqa dev queries (docs/retrieval-quality.md): the keyword ranking
 * carries almost all of the signal; the hashed dense vectors get a small weight because more of
 * them lowered hit@5. Title coverage 0.3 was chosen on the even-numbered queries and held on the
 * odd ones; 30 candidates rank as well as 100 and keep HNSW and fusion cheap at 100k chunks. The
 * no-answer thresholds are calibrated in docs/no-answer-decision.md, on the tuning topics.
 */
export const DEFAULT_RETRIEVAL_SETTINGS: RetrievalSettings = {
  candidates: 30,
  denseWeight: 0.05,
  keywordWeight: 1,
  minDomainSpecificity: 4,
  minKeywordCoverage: 0.03,
  subjectBars: { minMedicalIdf: 7, minNamedIdf: 7.3, minWordIdf: 6.5 },
  titleCoverageWeight: 0.3,
  aspectWeight: 0.3,
  rerankDepth: 30,
  subjectCandidates: 5,
  maxSourcesForWholeQuestion: 1000,
  minAnswerProbability: 0.45,
  answerCandidates: 5,
  minSourcesForAnswerModel: 5,
};

export type { CandidateJudgement } from "./answer-choice.js";

export interface RetrievalResult {
  /** The question after cleanup. */
  query: string;
  /** Its keyword terms, as the keyword index and quoting see them. */
  queryTerms: string[];
  hits: SearchHit[];
  /** True when nothing is close enough to answer from. */
  noAnswer: boolean;
  /**
   * True for a no-answer on a question in the folder's domain whose topic no source covers: the
   * hits are neighbouring topics a reply may offer as suggestions, never as the answer.
   */
  nearTopic?: boolean;
  /** The signals the no-answer decision was based on, for hit testing. */
  confidence: {
    domainSpecificity: number;
    keywordCoverage: number;
    denseSimilarity: number;
    subjects?: SubjectVerdict["subjects"];
    /** On a small folder: the best candidates with their features and the answer model's probability. */
    candidates?: CandidateJudgement[];
  };
  /** On a no-answer in the folder's domain: what the folder lacks, named for the reply and the unanswered queue. */
  missingSubject?: string;
}

export async function retrieve(index: LoadedIndex, questionText: string, limit = 10, settings = DEFAULT_RETRIEVAL_SETTINGS): Promise<RetrievalResult> {
  const query = cleanQuery(questionText);
  const normalized = normalizeText(query);
  const queryTerms = query === "" ? [] : keywordTerms(query);
  const empty: RetrievalResult = {
    query,
    queryTerms,
    hits: [],
    noAnswer: true,
    confidence: { domainSpecificity: 0, keywordCoverage: 0, denseSimilarity: 0, subjects: [] },
  };
  if (query === "" || index.chunks.length === 0) return empty;

  // A folder small enough to be judged on every subject of a question (subject-coverage.ts).
  const wholeQuestion = index.sources.size <= settings.maxSourcesForWholeQuestion;
  // The question's words are searched with their synonyms too ("拉肚子" finds the sources that say 腹泻);
  // in a large folder only the words it never uses, since there the synonyms of its own words lowered
  // hit@5 (0.644 → 0.631 on medqa). Quoting keeps the question's own terms.
  // A word most of a small folder's chunks hold tells its sources apart by nothing, and its synonyms
  // would only lift the sources that also spell it the other way (医保 → 基本医疗保险 ranked a row on
  // paying premiums above the one on checking the balance): it is searched as it is.
  const expansion = index.synonyms.expansion(normalized, (word) =>
    wholeQuestion ? index.keywordIndex.documentFrequency(`w:${word}`) <= index.chunks.length / 2 : !folderHolds(index, word),
  );
  const searchTerms = expansion.length === 0 ? queryTerms : [...queryTerms, ...keywordTerms(expansion.join(" "))];
  const keywordHits = index.keywordIndex.search(searchTerms, settings.candidates);
  const denseHits = searchVectorStore(index.vectorStore, await index.embedder.embedQuery(query), settings.candidates).filter(
    (hit) => index.rowByLabel[hit.label] >= 0,
  );

  const bestChunkRows = new Map<string, number[]>();
  const noteRow = (row: number) => {
    const sourceId = index.chunks[row].sourceId;
    const rows = bestChunkRows.get(sourceId) ?? [];
    if (!rows.includes(row)) rows.push(row);
    bestChunkRows.set(sourceId, rows);
  };
  const denseBySource = collapseBySource(
    index,
    denseHits.map((hit) => ({ row: index.rowByLabel[hit.label], score: hit.similarity })),
    noteRow,
  );
  const keywordBySource = collapseBySource(index, keywordHits, noteRow);
  const fused = normalizedScoreFusion([
    { items: denseBySource, weight: settings.denseWeight },
    { items: keywordBySource, weight: settings.keywordWeight },
  ]);
  // A large folder's titles are whole stories that ask several things, and there the aspect cost hit@1
  // on medqa (0.526 → 0.521); a small folder's titles are the one question each row answers.
  const asked = wholeQuestion ? questionAspects(normalized) : new Set<QuestionAspect>();
  const reranked = rerankByTitle(index, searchTerms, asked, [...fused.entries()].sort(byScoreThenId), settings);

  // Judged on the best keyword match, before re-ranking: "does anything cover enough of the question".
  const bestKeywordSource = keywordBySource[0]?.sourceId;
  const keywordCoverage = bestKeywordSource
    ? coverage(index, queryTerms, sourceTerms(index, bestKeywordSource, bestChunkRows.get(bestKeywordSource) ?? []))
    : 0;
  const specificity = domainSpecificity(searchTerms, index.keywordIndex);
  // In the folder's domain by its vocabulary; a question whose subjects the folder lacks may still match
  // too little of any source ("北京医保在上海能用吗" on a page about other provinces), and is named all the same.
  const inDomain = reranked.length > 0 && specificity >= settings.minDomainSpecificity;
  const matched = keywordCoverage >= settings.minKeywordCoverage;
  const subjects = questionSubjects(normalized, index.synonyms, settings.subjectBars, wholeQuestion);
  const verdict = judgeSubjects(
    index,
    normalized,
    subjects,
    reranked.slice(0, settings.subjectCandidates).map(([sourceId]) => sourceId),
    wholeQuestion,
  );
  // The source that covers the subjects answers, even when another ranked above it.
  const chosen = verdict.sourceId === undefined ? -1 : reranked.findIndex(([sourceId]) => sourceId === verdict.sourceId);
  const bySubjects = chosen > 0 ? [reranked[chosen], ...reranked.slice(0, chosen), ...reranked.slice(chosen + 1)] : reranked;
  const subjectChecksAnswer = inDomain && matched && verdict.sourceId !== undefined;
  // On a small folder the answer model weighs the subject checks with what each of the best sources holds.
  const choice =
    wholeQuestion && index.sources.size >= settings.minSourcesForAnswerModel
      ? chooseAnswer(index, {
          normalized,
          subjects,
          verdict,
          ranked: bySubjects,
          firstRanked: reranked[0]?.[0],
          subjectChecksAnswer,
          domainSpecificity: specificity,
          keywordCoverage,
          candidates: settings.answerCandidates,
          ask: settings.minAnswerProbability > 0,
          minProbability: settings.minAnswerProbability,
        })
      : undefined;
  const noAnswer = choice?.noAnswer ?? !subjectChecksAnswer;
  const order = choice?.ranked ?? bySubjects;
  const ranked = order.slice(0, limit);
  const denseScore = new Map(denseBySource.map((item) => [item.sourceId, item.score]));
  const denseSimilarity = ranked[0] ? (denseScore.get(ranked[0][0]) ?? 0) : 0;

  // What a no-answer in the folder's domain names: the subjects no source may answer for, the figure
  // no source states, or what the source the answer model refused lacks.
  const nameWhatIsMissing = (): { nearTopic?: true; missingSubject?: string } => {
    if (verdict.missing.length > 0) return { nearTopic: true, missingSubject: nameMissing(normalized, verdict.missing) };
    if (verdict.missingAttribute) return { nearTopic: true, missingSubject: nameAttribute(normalized, verdict.missingAttribute) };
    const lacks =
      subjectChecksAnswer && ranked[0] ? nameWhatTheSourceLacks(index, normalized, subjects, ranked[0][0], settings.subjectBars.minWordIdf) : undefined;
    return lacks === undefined ? {} : { nearTopic: true, missingSubject: lacks };
  };

  const hits: SearchHit[] = ranked.map(([sourceId, score]) => {
    const source = index.sources.get(sourceId)!;
    const rows = (bestChunkRows.get(sourceId) ?? []).slice(0, 3);
    return {
      sourceId,
      title: source.title,
      ...(source.url ? { url: source.url } : {}),
      score,
      passages: rows.map((row, rank) => toPassage(index, row, source, score * (1 - rank * 0.01))),
    };
  });
  return {
    query,
    queryTerms,
    hits,
    noAnswer,
    ...(noAnswer && inDomain ? nameWhatIsMissing() : {}),
    confidence: {
      domainSpecificity: specificity,
      keywordCoverage,
      denseSimilarity,
      subjects: verdict.subjects,
      ...(choice ? { candidates: choice.candidates } : {}),
    },
  };
}

const byScoreThenId = (left: [string, number], right: [string, number]) => right[1] - left[1] || (left[0] < right[0] ? -1 : 1);

/**
 * Re-scores the best fused sources by how much of their title the question covers and whether their
 * title asks about the same aspect; the rest keep their order.
 */
function rerankByTitle(
  index: LoadedIndex,
  queryTerms: string[],
  asked: ReadonlySet<QuestionAspect>,
  ranked: [string, number][],
  settings: RetrievalSettings,
): [string, number][] {
  if ((settings.titleCoverageWeight === 0 && (settings.aspectWeight === 0 || asked.size === 0)) || ranked.length === 0) return ranked;
  const queryTermSet = new Set(queryTerms);
  const inverseDocumentFrequency = (term: string) => index.keywordIndex.idf(term);
  const head = ranked.slice(0, settings.rerankDepth).map(([sourceId, score]): [string, number] => {
    const source = index.sources.get(sourceId)!;
    const coverage = titleCoverage(queryTermSet, keywordTerms(source.title), inverseDocumentFrequency);
    const sameAspect = asked.size > 0 && sharesAspect(asked, titleAspects(source));
    return [sourceId, score + settings.titleCoverageWeight * coverage + (sameAspect ? settings.aspectWeight : 0)];
  });
  return [...head.sort(byScoreThenId), ...ranked.slice(settings.rerankDepth)];
}

/** The aspects a source's title asks about, read once per source (a source lives as long as its loaded index). */
const titleAspectsOf = new WeakMap<SourceDoc, Set<QuestionAspect>>();
function titleAspects(source: SourceDoc): Set<QuestionAspect> {
  let aspects = titleAspectsOf.get(source);
  if (aspects === undefined) {
    aspects = questionAspects(normalizeText(source.title));
    titleAspectsOf.set(source, aspects);
  }
  return aspects;
}

function collapseBySource(index: LoadedIndex, hits: { row: number; score: number }[], noteRow: (row: number) => void): RankedSource[] {
  const best = new Map<string, number>();
  for (const hit of hits) {
    const sourceId = index.chunks[hit.row].sourceId;
    noteRow(hit.row);
    if (!best.has(sourceId) || best.get(sourceId)! < hit.score) best.set(sourceId, hit.score);
  }
  return [...best.entries()].map(([sourceId, score]) => ({ sourceId, score })).sort((left, right) => right.score - left.score);
}

/** The terms of a source's title and of its chunks the searches matched. */
function sourceTerms(index: LoadedIndex, sourceId: string, rows: number[]): Set<string> {
  return new Set(keywordTerms(`${index.sources.get(sourceId)!.title}\n${rows.map((row) => index.chunks[row].text).join("\n")}`));
}

/** Share of the query's IDF mass found in the source's title or matched chunks (`present`, from sourceTerms). */
function coverage(index: LoadedIndex, queryTerms: string[], present: ReadonlySet<string>): number {
  const unique = [...new Set(queryTerms)];
  if (unique.length === 0) return 0;
  let total = 0;
  let matched = 0;
  for (const term of unique) {
    const weight = index.keywordIndex.idf(term);
    total += weight;
    if (present.has(term)) matched += weight;
  }
  return total === 0 ? 0 : matched / total;
}

function toPassage(index: LoadedIndex, row: number, source: SourceDoc, score: number): Passage {
  const chunk = index.chunks[row];
  return {
    chunkId: chunk.chunkId,
    sourceId: source.sourceId,
    chunkIndex: chunk.index,
    title: source.title,
    ...(source.url ? { url: source.url } : {}),
    text: chunk.text,
    score,
    ...(source.category ? { category: source.category } : {}),
    ...(source.date ? { date: source.date } : {}),
    ...(chunk.location ? { location: chunk.location } : {}),
  };
}
