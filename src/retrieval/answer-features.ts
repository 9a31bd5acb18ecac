/**
 * What the answer model (answer-model.ts) knows of one candidate source for a question on a small
 * folder: how the rankings placed it, whether the subject checks let it answer, which of the
 * question's subject words, words, characters and character pairs its text holds, and which the
 * folder never uses. Every feature is about the question's own words against the folder, never about
 * a topic, so a model fitted on some folders applies to any other.
 */
import type { LoadedIndex } from "../store/loaded-index.js";
import { CJK_CHARACTERS, segmenter } from "../text/chinese-terms.js";
import { generalWordIdf } from "../text/general-word-rarity.js";
import { folderHolds, sourceText } from "./folder-text.js";
import type { QuestionSubject } from "./question-subjects.js";
import { foundIn } from "./subject-coverage.js";

/** The features in the order the model's weights are kept. */
export const ANSWER_FEATURES = [
  "rank",
  "questionLength",
  "score",
  "relativeScore",
  "subjectChecksAnswer",
  "subjectsNowhere",
  "rarestSubjectNowhere",
  "placesOrTermsNowhere",
  "rarestSubjectNotInSource",
  "charactersInSource",
  "characterPairsInSource",
  "weightedPairsInSource",
  "wordsNotInSource",
  "domainSpecificity",
  "keywordCoverage",
] as const;

export type AnswerFeatureName = (typeof ANSWER_FEATURES)[number];

/** The question-wide signals retrieve.ts has already measured. */
export interface QuestionSignals {
  /** True when the subject checks (subject-coverage.ts) let the first candidate answer. */
  subjectChecksAnswer: boolean;
  domainSpecificity: number;
  keywordCoverage: number;
  /**
   * The source the subject checks described and the subject words they found in it, by the means this
   * module lacks (an unknown word spread out in the source: 扩弓器 in 扩弓矫治器).
   */
  checkedSource?: { sourceId: string; found: ReadonlySet<string> };
}

/** General-Chinese IDF is capped: a word the table does not know is rare, not infinitely so. */
const MAX_WORD_IDF = 14;
const CJK = new RegExp(`[${CJK_CHARACTERS}]`, "u");
const CJK_WORD = new RegExp(`^[${CJK_CHARACTERS}]{2,}$`, "u");
/** Characters that carry no content of their own: particles, pronouns, modal and question words. */
const FUNCTION_CHARACTERS = new Set("的了吗呢吧啊呀是在有和与或就都也还要能会可以这那哪谁个些么什怎咋啥多少几嘛不没我你他她它们");

/**
 * One row of ANSWER_FEATURES for each candidate (source id and fused score, best first), in the
 * candidates' order. `normalized` is the question in normalizeText form.
 */
export function candidateFeatures(
  index: LoadedIndex,
  normalized: string,
  subjects: readonly QuestionSubject[],
  candidates: readonly (readonly [string, number])[],
  signals: QuestionSignals,
): number[][] {
  const rarity = subjects.map((subject) => Math.min(MAX_WORD_IDF, generalWordIdf(subject.word)));
  const nowhere = subjects.map((subject) => !foundIn(subject, (word) => folderHolds(index, word)));
  const characters = [...new Set([...normalized].filter((character) => CJK.test(character) && !FUNCTION_CHARACTERS.has(character)))];
  const pairs = [...characterPairs(normalized)];
  const pairWeights = pairs.map((pair) => index.keywordIndex.idf(pair));
  const pairWeightTotal = pairWeights.reduce((sum, weight) => sum + weight, 0);
  const words = [...new Set(segmenter().cut(normalized, false))].filter((word) => CJK_WORD.test(word));
  const question = {
    questionLength: normalized.length,
    subjectsNowhere: nowhere.filter(Boolean).length,
    rarestSubjectNowhere: Math.max(0, ...rarity.filter((_, position) => nowhere[position])),
    placesOrTermsNowhere: subjects.filter((subject, position) => nowhere[position] && (subject.kind === "place" || subject.kind === "medical")).length,
    domainSpecificity: signals.domainSpecificity,
    keywordCoverage: signals.keywordCoverage,
  };
  const topScore = candidates[0]?.[1] ?? 0;
  const synonymWords = wordPositions(normalized, index.synonyms.wordsIn(normalized));
  return candidates.map(([sourceId, score], rank) => {
    const text = sourceText(index, sourceId);
    const holds = (word: string) => text.includes(word);
    const checked = signals.checkedSource?.sourceId === sourceId ? signals.checkedSource.found : undefined;
    const held = subjects.map((subject) => foundIn(subject, holds) || (checked?.has(subject.word) ?? false));
    // A stretch of the question the source holds in other words (a synonym, a subject's alternative)
    // counts as held, character by character: 饿肚子 where the source says 空腹.
    const covered = new Uint8Array(normalized.length);
    for (const { word, start } of synonymWords) if (index.synonyms.alternatives(word).some(holds)) covered.fill(1, start, start + word.length);
    subjects.forEach((subject, position) => {
      if (held[position]) covered.fill(1, subject.start, subject.start + subject.word.length);
    });
    const inSource = (part: string) =>
      holds(part) || occurrences(normalized, part).some((start) => covered.subarray(start, start + part.length).every(Boolean));
    const found: Record<AnswerFeatureName, number> = {
      ...question,
      rank,
      score,
      relativeScore: topScore > 0 ? score / topScore : 0,
      subjectChecksAnswer: signals.subjectChecksAnswer && rank === 0 ? 1 : 0,
      rarestSubjectNotInSource: Math.max(0, ...rarity.filter((_, position) => !held[position])),
      charactersInSource: share(characters, inSource),
      characterPairsInSource: share(pairs, inSource),
      weightedPairsInSource:
        pairWeightTotal > 0 ? pairs.reduce((sum, pair, position) => sum + (inSource(pair) ? pairWeights[position] : 0), 0) / pairWeightTotal : 0,
      wordsNotInSource: words.filter((word) => !inSource(word)).length,
    };
    return ANSWER_FEATURES.map((name) => found[name]);
  });
}

function share(items: readonly string[], holds: (item: string) => boolean): number {
  return items.length === 0 ? 0 : items.filter(holds).length / items.length;
}

/** Where each of `words` (found in this order, without overlaps) starts in the question. */
function wordPositions(normalized: string, words: readonly string[]): { word: string; start: number }[] {
  const positions: { word: string; start: number }[] = [];
  let from = 0;
  for (const word of words) {
    const start = normalized.indexOf(word, from);
    if (start < 0) continue;
    positions.push({ word, start });
    from = start + word.length;
  }
  return positions;
}

/** Every start of `part` in `text`. */
function occurrences(text: string, part: string): number[] {
  const starts: number[] = [];
  for (let start = text.indexOf(part); start >= 0; start = text.indexOf(part, start + 1)) starts.push(start);
  return starts;
}

/** The question's pairs of adjacent CJK characters (its bigram keyword terms). */
function characterPairs(normalized: string): Set<string> {
  const pairs = new Set<string>();
  for (let position = 0; position + 1 < normalized.length; position++)
    if (CJK.test(normalized[position]) && CJK.test(normalized[position + 1])) pairs.add(normalized.slice(position, position + 2));
  return pairs;
}
