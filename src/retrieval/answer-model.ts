/**
 * How likely a candidate source is to be the right answer to a question on a small folder: a
 * logistic model over the features of answer-features.ts. Its weights (answer-model-weights.ts) are
 * fitted by `bench/train-answer-model.ts` on the question sets in test/fixtures, written as users
 * type them, so the hand-set thresholds of the subject checks become one learned trade-off; see
 * docs/no-answer-decision.md for how it was measured on folders it was not fitted on.
 */
import { KnowledgeBotError } from "../core/errors.js";
import { ANSWER_FEATURES } from "./answer-features.js";

export interface AnswerModel {
  /** The feature names, in ANSWER_FEATURES order: a model fitted on other features is refused. */
  features: readonly string[];
  /** Each feature is standardized with the mean and spread it had in the fitting data. */
  mean: readonly number[];
  spread: readonly number[];
  weights: readonly number[];
  bias: number;
}

/** The probability (0–1) that the candidate with these features answers the question. */
export function answerProbability(model: AnswerModel, features: readonly number[]): number {
  let sum = model.bias;
  for (let position = 0; position < features.length; position++)
    sum += (model.weights[position] * (features[position] - model.mean[position])) / model.spread[position];
  return 1 / (1 + Math.exp(-sum));
}

/** Checks that a model was fitted on the features this version computes. */
export function checkAnswerModel(model: AnswerModel): AnswerModel {
  const sameFeatures = model.features.length === ANSWER_FEATURES.length && model.features.every((name, position) => name === ANSWER_FEATURES[position]);
  const sized = [model.mean, model.spread, model.weights].every((values) => values.length === ANSWER_FEATURES.length);
  if (!sameFeatures || !sized || model.spread.some((spread) => !(spread > 0)))
    throw new KnowledgeBotError(
      "ANSWER_MODEL_MISMATCH",
      `The answer model's features (${model.features.join(", ")}) are not the ones this version computes (${ANSWER_FEATURES.join(", ")})`,
      "Fit it again with `npx tsx bench/train-answer-model.ts`.",
    );
  return model;
}
