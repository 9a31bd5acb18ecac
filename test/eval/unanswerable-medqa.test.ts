/**
 * Questions the folder does not cover, on the medqa corpus: for each topic list every corpus row
 * mentioning a topic's words is removed, and the dev queries about a removed topic must mostly get
 * no answer while the queries whose source was kept keep theirs. The thresholds were chosen on
 * four lists (tune, held-out, common, fresh); the clean list's aggregate figures were seen after
 * that choice (its misses never read) and clean-2 was measured once after the second round, and
 * neither is to be tuned on; symptoms was written to study what is left and decided nothing. The
 * bounds sit a little beyond the README figures (22.7 % / 28.3 % / 6.9 % / 11.6 % / 23.8 % /
 * 65.5 % / 78.9 % answered; 97.3 % / 97.0 % / 96.3 % / 95.0 % / 96.4 % / 97.1 % / 96.3 % kept), so a
 * change that answers more uncovered questions or loses answers fails; the decision before the
 * stricter character bars and the unasked tier (24.4 % / 40.3 % / 15.1 % / 26.0 % / 38.9 % /
 * 69.1 %) fails all but the tuning ceiling.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateUnanswerable, readEvaluationQueries } from "../../src/cli/evaluate.js";
import { buildUnanswerableSet, parseTopics } from "../../src/cli/unanswerable-set.js";
import { buildIndex } from "../../src/ingest/build-index.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { EVAL_DIR } from "./eval-dir.js";

const local = { kind: "local" as const, batchSize: 64 };
const work = await mkdtemp(path.join(os.tmpdir(), "kb-eval-unanswerable-"));
afterAll(() => rm(work, { recursive: true, force: true }));

/** Upper bound on the share of unanswerable questions answered, lower bound on answerable ones. */
const FLOORS = {
  tune: { unanswerable: 0.25, answerable: 0.965 },
  "held-out": { unanswerable: 0.31, answerable: 0.965 },
  // The folder's most frequent topics (癫痫, 糖尿病, 肝硬化, …): 2,867 of 7,244 sources removed.
  common: { unanswerable: 0.09, answerable: 0.955 },
  // 高血压, 胃炎, 头晕, 发烧, …: 2,089 sources removed; its kept questions sit on the 95 % target.
  fresh: { unanswerable: 0.14, answerable: 0.945 },
  // 乙肝, 腹泻, 失眠, 怀孕, …: 2,340 sources removed.
  clean: { unanswerable: 0.27, answerable: 0.955 },
  // 反流, 肿瘤, 心脏病, 月经, 焦虑, 过敏, 打嗝, …, written after the second round and measured once: topics
  // written with everyday characters, which the character signals barely reach (README "What is left").
  "clean-2": { unanswerable: 0.68, answerable: 0.965 },
  // 胃胀, 恶心, 胃痛, 乏力, 口苦, 喉咙, 尿频, …: the folder's everyday symptoms, 1,079 sources removed. Most
  // are told in the story rather than asked, or split by jieba into single characters (胃 / 胀).
  symptoms: { unanswerable: 0.81, answerable: 0.955 },
};

describe("questions about topics removed from the medqa corpus", () => {
  for (const [name, floor] of Object.entries(FLOORS))
    it(`${name} topics: few uncovered questions answered, covered ones kept`, { timeout: 300_000 }, async () => {
      const topics = parseTopics(await readFile(path.join(PROJECT_ROOT, `test/fixtures/unanswerable-topics-${name}.json`), "utf8"));
      const set = buildUnanswerableSet(
        await readFile(path.join(EVAL_DIR, "corpus.csv"), "utf8"),
        await readEvaluationQueries(path.join(EVAL_DIR, "dev-queries.jsonl")),
        topics,
      );
      const folder = path.join(work, name);
      await mkdir(path.join(folder, "knowledge"), { recursive: true });
      await writeFile(path.join(folder, "knowledge/corpus.csv"), set.keptCorpusCsv);
      await buildIndex({ knowledgeDir: path.join(folder, "knowledge"), indexDir: path.join(folder, "index"), embedder: local });
      const report = await evaluateUnanswerable(await loadIndex(path.join(folder, "index"), local), set.queries);
      const measured = JSON.stringify({ unanswerable: report.unanswerable, answerable: report.answerable });
      console.info(`medqa unanswerable (${name}): ${measured}`);
      expect(report.unanswerable.queries, measured).toBeGreaterThan(100);
      expect.soft(report.unanswerable.answered, measured).toBeLessThanOrEqual(floor.unanswerable);
      expect.soft(report.answerable.answered, measured).toBeGreaterThanOrEqual(floor.answerable);
    });
});
