/**
 * Fits the answer model (src/retrieval/answer-model.ts) on the small-folder question sets in
 * test/fixtures and the off-topic questions, and writes src/retrieval/answer-model-weights.ts.
 *
 *   npx tsx bench/train-answer-model.ts            fit on every set and write the weights
 *   npx tsx bench/train-answer-model.ts --folds    also report each folder left out of the fit
 *
 * A candidate's label is whether it is among the question's expected sources; off-topic and
 * uncovered questions label every candidate 0. The decision answers from the likeliest candidate
 * when its probability reaches `minAnswerProbability`, so the report gives, for a few thresholds, the
 * share of uncovered questions answered, of covered ones answered from the right source first, and
 * the off-topic questions answered.
 */
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir, cp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildIndex } from "../src/ingest/build-index.js";
import { loadIndex } from "../src/store/loaded-index.js";
import { DEFAULT_RETRIEVAL_SETTINGS, retrieve } from "../src/retrieval/retrieve.js";
import { ANSWER_FEATURES } from "../src/retrieval/answer-features.js";
import { answerProbability, type AnswerModel } from "../src/retrieval/answer-model.js";
import { readEvaluationQueries } from "../src/cli/evaluate.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = path.join(ROOT, "test/fixtures");
const EMBEDDER = { kind: "local" as const, batchSize: 64 };
const THRESHOLDS = [0.3, 0.4, 0.45, 0.5, 0.55, 0.6];

interface Question {
  folder: string;
  kind: "covered" | "uncovered" | "off-topic";
  candidates: { features: number[]; label: number }[];
}

/** The folder file a question set is written for: questions-<name>[-2].jsonl asks <name>-faq.csv. */
function folderOf(questionsFile: string): string {
  const name = questionsFile.replace(/^questions-/u, "").replace(/(?:-2)?\.jsonl$/u, "");
  return name === "seed-page" ? path.join(ROOT, "knowledge/000_9de61d0cf05b51f0.txt") : path.join(FIXTURES, `${name}-faq.csv`);
}

async function collect(): Promise<Question[]> {
  const sets = (await readdir(FIXTURES)).filter((file) => /^questions-.+\.jsonl$/u.test(file)).sort();
  const offTopic = (await readFile(path.join(FIXTURES, "off-topic-questions.txt"), "utf8"))
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const byFolder = new Map<string, string[]>();
  for (const set of sets) byFolder.set(folderOf(set), [...(byFolder.get(folderOf(set)) ?? []), set]);
  const questions: Question[] = [];
  const settings = { ...DEFAULT_RETRIEVAL_SETTINGS, minAnswerProbability: 0 };
  for (const [folderFile, folderSets] of byFolder) {
    const work = await mkdtemp(path.join(os.tmpdir(), "kb-answer-model-"));
    try {
      await mkdir(path.join(work, "knowledge"));
      await cp(folderFile, path.join(work, "knowledge", path.basename(folderFile)));
      await buildIndex({ knowledgeDir: path.join(work, "knowledge"), indexDir: path.join(work, "index"), embedder: EMBEDDER });
      const index = await loadIndex(path.join(work, "index"), EMBEDDER);
      const asked = [
        ...(await Promise.all(folderSets.map((set) => readEvaluationQueries(path.join(FIXTURES, set))))).flat(),
        ...offTopic.map((query) => ({ query, expected: undefined })),
      ];
      for (const { query, expected } of asked) {
        const result = await retrieve(index, query, settings.answerCandidates, settings);
        questions.push({
          folder: path.basename(folderFile),
          kind: expected === undefined ? "off-topic" : expected.length > 0 ? "covered" : "uncovered",
          candidates: (result.confidence.candidates ?? []).map((candidate) => ({
            features: ANSWER_FEATURES.map((name) => candidate.features[name]),
            label: expected?.includes(candidate.sourceId) ? 1 : 0,
          })),
        });
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return questions;
}

/** Logistic regression by full-batch gradient descent on standardized features, with an L2 penalty. */
function fit(questions: readonly Question[]): AnswerModel {
  const rows = questions.flatMap((question) => question.candidates);
  const count = ANSWER_FEATURES.length;
  const mean = Array.from({ length: count }, (_, feature) => rows.reduce((sum, row) => sum + row.features[feature], 0) / rows.length);
  const spread = mean.map((average, feature) => Math.sqrt(rows.reduce((sum, row) => sum + (row.features[feature] - average) ** 2, 0) / rows.length) || 1);
  const standardized = rows.map((row) => row.features.map((value, feature) => (value - mean[feature]) / spread[feature]));
  const weights = new Array<number>(count).fill(0);
  let bias = 0;
  const penalty = 1;
  const rate = 1;
  for (let step = 0; step < 3000; step++) {
    const gradient = new Array<number>(count).fill(0);
    let biasGradient = 0;
    standardized.forEach((values, position) => {
      const sum = values.reduce((total, value, feature) => total + value * weights[feature], bias);
      const error = 1 / (1 + Math.exp(-sum)) - rows[position].label;
      for (let feature = 0; feature < count; feature++) gradient[feature] += error * values[feature];
      biasGradient += error;
    });
    for (let feature = 0; feature < count; feature++) weights[feature] -= (rate * (gradient[feature] + penalty * weights[feature])) / rows.length;
    bias -= (rate * biasGradient) / rows.length;
  }
  return { features: [...ANSWER_FEATURES], mean, spread, weights, bias };
}

type Tally = Record<Question["kind"], { asked: number; counted: number }>;

/** Uncovered answered, covered answered from the right source first, off-topic answered. */
function tally(model: AnswerModel, questions: readonly Question[], threshold: number, into?: Tally): Tally {
  const counts = into ?? { covered: { asked: 0, counted: 0 }, uncovered: { asked: 0, counted: 0 }, "off-topic": { asked: 0, counted: 0 } };
  for (const question of questions) {
    let best: { label: number; probability: number } | undefined;
    for (const candidate of question.candidates) {
      const probability = answerProbability(model, candidate.features);
      if (best === undefined || probability > best.probability) best = { label: candidate.label, probability };
    }
    const answered = best !== undefined && best.probability >= threshold;
    counts[question.kind].asked++;
    if (question.kind === "covered" ? answered && best!.label === 1 : answered) counts[question.kind].counted++;
  }
  return counts;
}

function describe(counts: Tally): string {
  const percent = ({ asked, counted }: { asked: number; counted: number }) => ((100 * counted) / Math.max(1, asked)).toFixed(1);
  return `uncovered answered ${percent(counts.uncovered)} %, right first ${percent(counts.covered)} %, off-topic ${counts["off-topic"].counted} of ${counts["off-topic"].asked}`;
}

const round = (value: number) => Number(value.toPrecision(6));

async function main(): Promise<void> {
  const questions = await collect();
  if (process.argv.includes("--folds")) {
    // Each folder's questions judged by a model fitted without that folder: what a new folder meets.
    const folders = [...new Set(questions.map((question) => question.folder))];
    const heldOut = folders.map((folder) => ({
      model: fit(questions.filter((question) => question.folder !== folder)),
      questions: questions.filter((question) => question.folder === folder),
    }));
    for (const threshold of THRESHOLDS) {
      let counts: Tally | undefined;
      for (const fold of heldOut) counts = tally(fold.model, fold.questions, threshold, counts);
      console.log(`each folder left out, threshold ${threshold}: ${describe(counts!)}`);
    }
  }
  const model = fit(questions);
  for (const threshold of THRESHOLDS) console.log(`fitted on all, threshold ${threshold}: ${describe(tally(model, questions, threshold))}`);
  const file = path.join(ROOT, "src/retrieval/answer-model-weights.ts");
  await writeFile(
    file,
    [
      "/** Fitted by `npx tsx bench/train-answer-model.ts` on the question sets in test/fixtures; do not edit by hand. */",
      'import type { AnswerModel } from "./answer-model.js";',
      "",
      `export const ANSWER_MODEL: AnswerModel = ${JSON.stringify({ ...model, mean: model.mean.map(round), spread: model.spread.map(round), weights: model.weights.map(round), bias: round(model.bias) })};`,
      "",
    ].join("\n"),
  );
  console.log(`wrote ${path.relative(ROOT, file)} from ${questions.length} questions; run prettier on it`);
}

await main();
