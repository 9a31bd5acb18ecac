/** Fitted by `npx tsx bench/train-answer-model.ts` on the question sets in test/fixtures; do not edit by hand. */
import type { AnswerModel } from "./answer-model.js";

export const ANSWER_MODEL: AnswerModel = {
  features: [
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
  ],
  mean: [1.99957, 9.86298, 0.500411, 0.524066, 0.0571659, 0.755565, 5.91072, 0.130956, 7.79102, 0.328501, 0.137239, 0.066095, 2.42157, 4.5055, 0.136982],
  spread: [1.41416, 2.54395, 0.429656, 0.40943, 0.232159, 0.735424, 5.30124, 0.351785, 4.95056, 0.267113, 0.145286, 0.0927124, 1.06923, 3.98356, 0.132156],
  weights: [
    -0.393276, 0.442968, 0.740903, 0.217496, 0.342507, -0.258198, 0.447454, -0.358023, -0.446511, 2.00812, -1.10532, 0.469667, -0.13669, 0.0646249, -0.0642597,
  ],
  bias: -5.66649,
};
