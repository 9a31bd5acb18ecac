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
  mean: [1.99957, 9.86298, 0.500411, 0.524066, 0.0571659, 0.755565, 5.91072, 0.130956, 7.8119, 0.321562, 0.127927, 0.0564873, 2.46893, 4.5055, 0.136982],
  spread: [1.41416, 2.54395, 0.429656, 0.40943, 0.232159, 0.735424, 5.30124, 0.351785, 4.94415, 0.259457, 0.136166, 0.0789993, 1.05853, 3.98356, 0.132156],
  weights: [
    -0.395417, 0.45082, 0.67443, 0.200323, 0.317989, -0.31031, 0.4829, -0.381542, -0.519018, 1.90369, -1.24712, 0.754432, -0.150147, 0.266207, -0.360152,
  ],
  bias: -5.68047,
};
