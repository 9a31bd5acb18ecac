/**
 * On a small folder, which of the best sources answers, if any: the answer model (answer-model.ts)
 * scores each on the features of answer-features.ts, and the likeliest answers when its probability
 * reaches the threshold. Also what a no-answer names when the model refused a source the subject
 * checks had passed.
 */
import type { LoadedIndex } from "../store/loaded-index.js";
import { ANSWER_FEATURES, candidateFeatures, type AnswerFeatureName } from "./answer-features.js";
import { answerProbability, checkAnswerModel } from "./answer-model.js";
import { ANSWER_MODEL } from "./answer-model-weights.js";
import { sourceText } from "./folder-text.js";
import { contentWords, type QuestionSubject } from "./question-subjects.js";
import { foundIn, nameMissing, type SubjectVerdict } from "./subject-coverage.js";

const answerModel = checkAnswerModel(ANSWER_MODEL);

/** One candidate as the answer model saw it, for hit testing and for fitting the model. */
export interface CandidateJudgement {
  sourceId: string;
  features: Record<AnswerFeatureName, number>;
  /** Absent when the model was not asked. */
  probability?: number;
}

export interface AnswerChoiceInput {
  /** The question in normalizeText form, its subject words and what the subject checks found. */
  normalized: string;
  subjects: readonly QuestionSubject[];
  verdict: SubjectVerdict;
  /** Sources best first, the one the subject checks chose (if any) first. */
  ranked: readonly [string, number][];
  /** The first source as the fused ranking placed it, which the subject checks describe when they chose none. */
  firstRanked: string | undefined;
  subjectChecksAnswer: boolean;
  domainSpecificity: number;
  keywordCoverage: number;
  /** How many of the best sources are scored; false `ask` only reports their features. */
  candidates: number;
  ask: boolean;
  minProbability: number;
}

export interface AnswerChoice {
  /** The sources best first, the model's choice first. */
  ranked: [string, number][];
  noAnswer: boolean;
  candidates: CandidateJudgement[];
}

export function chooseAnswer(index: LoadedIndex, input: AnswerChoiceInput): AnswerChoice {
  const { normalized, subjects, verdict, subjectChecksAnswer } = input;
  const head = input.ranked.slice(0, input.candidates);
  const checkedSourceId = verdict.sourceId ?? input.firstRanked;
  const found = new Set(verdict.subjects.filter((subject) => subject.found === "source").map((subject) => subject.word));
  const rows = candidateFeatures(index, normalized, subjects, head, {
    subjectChecksAnswer,
    domainSpecificity: input.domainSpecificity,
    keywordCoverage: input.keywordCoverage,
    ...(checkedSourceId === undefined ? {} : { checkedSource: { sourceId: checkedSourceId, found } }),
  });
  // Two things the model may not overrule: a candidate that lacks a place the question names does
  // not answer it (吉林's question, 江苏's source), and a question naming nothing but places ("那吉林呢？"
  // on its own) is answered only where the subject checks found what it asks.
  const onlyPlaces = subjects.length > 0 && subjects.every((subject) => subject.kind === "place");
  const mayAnswer = head.map(([sourceId]) => {
    const text = sourceText(index, sourceId);
    const holdsPlaces = subjects.every((subject) => subject.kind !== "place" || foundIn(subject, (word) => text.includes(word)));
    return holdsPlaces && !(onlyPlaces && !subjectChecksAnswer);
  });
  const probabilities = input.ask ? rows.map((row, position) => (mayAnswer[position] ? answerProbability(answerModel, row) : 0)) : [];
  const candidates = head.map(([sourceId], position) => ({
    sourceId,
    features: Object.fromEntries(ANSWER_FEATURES.map((name, feature) => [name, rows[position][feature]])) as Record<AnswerFeatureName, number>,
    ...(input.ask ? { probability: probabilities[position] } : {}),
  }));
  if (!input.ask) return { ranked: [...input.ranked], noAnswer: !subjectChecksAnswer, candidates };
  const best = probabilities.reduce((bestSoFar, probability, position) => (probability > probabilities[bestSoFar] ? position : bestSoFar), 0);
  // A question asking for a figure that no source holding its subjects states stays unanswered
  // (subject-coverage.ts): no other candidate's figure is about what was asked.
  const noAnswer = head.length === 0 || probabilities[best] < input.minProbability || verdict.missingAttribute !== undefined;
  const ranked = best > 0 ? [head[best], ...input.ranked.filter((_, position) => position !== best)] : [...input.ranked];
  return { ranked, noAnswer, candidates };
}

/**
 * What a no-answer names when the answer model refused a source the subject checks had passed: the
 * subject words that source lacks or, when it holds them all, the question's content words it lacks
 * (小诊所能刷医保吗 against a pharmacy FAQ: 诊所). Undefined when it lacks none of them.
 */
export function nameWhatTheSourceLacks(
  index: LoadedIndex,
  normalized: string,
  subjects: readonly QuestionSubject[],
  sourceId: string,
  minWordIdf: number,
): string | undefined {
  const text = sourceText(index, sourceId);
  const lacking = subjects.filter((subject) => !foundIn(subject, (word) => text.includes(word)));
  if (lacking.length > 0) return nameMissing(normalized, lacking);
  const unheld = contentWords(normalized, minWordIdf).filter(({ word }) => !text.includes(word));
  return unheld.length > 0 ? nameMissing(normalized, unheld) : undefined;
}
