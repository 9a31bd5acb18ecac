/**
 * Honest answers on the small folders people really have: forty-five folders (the shipped seed page, a
 * ten-row 医保/体检/哺乳 FAQ, and twelve- to fifteen-row vaccination, chronic-disease and
 * prenatal-care FAQs), each with chat questions written as
 * users type them — covered ones in other words than the titles, with the source that answers, and
 * uncovered in-domain ones, a third of them sharing words with a covered item. The bounds sit a
 * little beyond the figures in docs/no-answer-decision.md, so a change that answers more uncovered
 * questions or puts fewer right sources first fails; the decision before subject coverage answered
 * 74 %, 50 %, 81 %, 60 % and 54 % of the uncovered questions and fails all five.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { evaluateUnanswerable, readEvaluationQueries } from "../../src/cli/evaluate.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { indexOfFolder } from "../support/folder-index.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";

const FOLDERS = [
  { name: "seed page", file: "knowledge/000_9de61d0cf05b51f0.txt", questions: "test/fixtures/questions-seed-page.jsonl", uncovered: 0.12, rightFirst: 0.84 },
  {
    name: "医保/体检/哺乳 FAQ",
    file: "test/fixtures/insurance-exam-nursing-faq.csv",
    questions: "test/fixtures/questions-insurance-exam-nursing.jsonl",
    uncovered: 0.11,
    rightFirst: 0.83,
  },
  {
    name: "vaccination FAQ",
    file: "test/fixtures/vaccination-faq.csv",
    questions: "test/fixtures/questions-vaccination.jsonl",
    uncovered: 0.24,
    rightFirst: 0.62,
  },
  // Written after the decision was chosen and measured once (20.0 % and 10.7 % uncovered answered,
  // 56 % and 55 % right first); their misses then showed four general defects, fixed since.
  {
    name: "chronic-disease FAQ",
    file: "test/fixtures/chronic-disease-faq.csv",
    questions: "test/fixtures/questions-chronic-disease.jsonl",
    uncovered: 0.14,
    rightFirst: 0.62,
  },
  {
    name: "prenatal-care FAQ",
    file: "test/fixtures/prenatal-care-faq.csv",
    questions: "test/fixtures/questions-prenatal-care.jsonl",
    uncovered: 0.08,
    rightFirst: 0.77,
  },
  // Four more FAQs on topics drawn at random (sleep, dental care, thyroid nodules, the employee
  // medical-insurance account), written blind to the rules. Measured first at 10.7, 39.3, 39.3 and
  // 28.6 % uncovered answered; the dental and account misses were read, the other two were not.
  ...[
    { name: "sleep", uncovered: 0.11, rightFirst: 0.57 },
    { name: "dental", uncovered: 0.15, rightFirst: 0.66 },
    { name: "thyroid-nodule", uncovered: 0.08, rightFirst: 0.57 },
    { name: "employee-account", uncovered: 0.29, rightFirst: 0.64 },
    // Eight more, written the same way on topics drawn at random: 会厌囊肿, 光化性角化病, 感冒疮 (唇疱疹),
    // 灵活就业人员缴纳医保, then 活动矫治器, 鼻病毒感染, 舌乳头炎, 长期护理保险. The first four were measured
    // at 17.9, 3.6, 7.1 and 46.4 % uncovered answered and their misses read; the last four at 17.9,
    // 10.7, 17.9 and 7.1 % and read only for what a rule change moved.
    { name: "epiglottic-cyst", uncovered: 0.11, rightFirst: 0.54 },
    { name: "actinic-keratosis", uncovered: 0.11, rightFirst: 0.59 },
    { name: "cold-sore", uncovered: 0.04, rightFirst: 0.43 },
    { name: "flexi-medins", uncovered: 0.33, rightFirst: 0.59 },
    { name: "ltc", uncovered: 0.15, rightFirst: 0.46 },
    { name: "ortho-appliance", uncovered: 0.15, rightFirst: 0.53 },
    { name: "rhinovirus", uncovered: 0.22, rightFirst: 0.71 },
    { name: "tongue-papillitis", uncovered: 0.11, rightFirst: 0.59 },
    // Four more, written the same way (唇裂修复术, 先天性阴道闭锁, 鼻中隔溃疡, 城乡居民医保缴费) and first
    // measured at 35.7, 42.9, 21.4 and 35.7 % uncovered answered, 50.0, 53.1, 34.4 and 56.3 % right
    // first. The 唇裂 and 居民医保 misses were read; the other two were measured, never read.
    { name: "cleft-lip-repair", uncovered: 0.15, rightFirst: 0.56 },
    { name: "vaginal-atresia", uncovered: 0.22, rightFirst: 0.56 },
    { name: "septal-ulcer", uncovered: 0.04, rightFirst: 0.34 },
    { name: "resident-premium", uncovered: 0.29, rightFirst: 0.37 },
    // Four more, written the same way (淀粉样变性, 谵妄状态, 海胆刺伤, 医保异地就医备案), measured once,
    // never read: 7.1, 25.0, 21.4 and 35.7 % uncovered answered, 56.3, 43.8, 40.6 and 50.0 % right first.
    { name: "amyloidosis", uncovered: 0.15, rightFirst: 0.5 },
    { name: "delirium", uncovered: 0.11, rightFirst: 0.53 },
    { name: "sea-urchin", uncovered: 0.15, rightFirst: 0.4 },
    { name: "offsite-filing", uncovered: 0.25, rightFirst: 0.43 },
    // Twelve more, written the same way on topics drawn at random (穴位按摩, 尿潴留, 火激红斑, 生育保险报销;
    // 生长期脱发, 低钠血症, 谷氨酰转肽酶, 大病保险二次报销; 心包积血, 呼吸衰竭, 老年性白内障, 定点药店购药) and
    // measured blind: together 18.8, 29.5 and 28.6 % uncovered answered, 53.9, 61.7 and 58.6 % right first.
    { name: "acupressure", uncovered: 0.08, rightFirst: 0.53 },
    { name: "urinary-retention", uncovered: 0.08, rightFirst: 0.53 },
    { name: "erythema-ab-igne", uncovered: 0.18, rightFirst: 0.56 },
    { name: "maternity-insurance", uncovered: 0.11, rightFirst: 0.43 },
    { name: "anagen-hair-loss", uncovered: 0.11, rightFirst: 0.78 },
    { name: "hyponatremia", uncovered: 0.36, rightFirst: 0.56 },
    { name: "ggt", uncovered: 0.18, rightFirst: 0.62 },
    { name: "major-illness", uncovered: 0.36, rightFirst: 0.43 },
    { name: "hemopericardium", uncovered: 0.18, rightFirst: 0.5 },
    { name: "resp-failure", uncovered: 0.18, rightFirst: 0.71 },
    { name: "cataract", uncovered: 0.11, rightFirst: 0.56 },
    { name: "pharmacy", uncovered: 0.18, rightFirst: 0.4 },
    // Eight more, written the same way (脂肪酶, 左心发育不全综合征, 蠕形螨病, 意外伤害医保报销; 肠胃病, 多发性脂肪瘤,
    // 寻常型银屑病, 新生儿参保) and never used to fit the answer model: the subject checks alone answered 26.3 %
    // of their uncovered questions and put the right source first for 49.6 %; with the model, 14.7 % and 51.6 %.
    { name: "demodex", uncovered: 0.11, rightFirst: 0.37 },
    { name: "hlhs", uncovered: 0.22, rightFirst: 0.59 },
    { name: "injury-claim", uncovered: 0.18, rightFirst: 0.43 },
    { name: "lipase", uncovered: 0.15, rightFirst: 0.5 },
    { name: "gastro", uncovered: 0.29, rightFirst: 0.46 },
    { name: "multiple-lipoma", uncovered: 0.18, rightFirst: 0.43 },
    { name: "newborn-insurance", uncovered: 0.22, rightFirst: 0.53 },
    { name: "psoriasis", uncovered: 0.15, rightFirst: 0.53 },
  ].map(({ name, ...bounds }) => ({
    name: `${name} FAQ`,
    file: `test/fixtures/${name}-faq.csv`,
    questions: `test/fixtures/questions-${name}.jsonl`,
    ...bounds,
  })),
  // Second sets on the seed page and the 医保/体检/哺乳 FAQ, written blind to the rules and to the first
  // sets: 30.0 % and 14.3 % uncovered answered, 58.8 % and 53.1 % right first when first measured, against
  // 9.5 % and 82.0 % on the seed page's first set, which the rules were chosen on.
  {
    name: "seed page, second set",
    file: "knowledge/000_9de61d0cf05b51f0.txt",
    questions: "test/fixtures/questions-seed-page-2.jsonl",
    uncovered: 0.3,
    rightFirst: 0.67,
  },
  {
    name: "医保/体检/哺乳 FAQ, second set",
    file: "test/fixtures/insurance-exam-nursing-faq.csv",
    questions: "test/fixtures/questions-insurance-exam-nursing-2.jsonl",
    uncovered: 0.08,
    rightFirst: 0.53,
  },
];

/**
 * Off-topic questions a folder still answers, where it shares a word with them: the seed page does
 * tell where 黄山 is and whether to climb at 五指山, and "很卡" / "很慢" find 医保卡 / 慢性病.
 */
const OFF_TOPIC_ANSWERED: Record<string, number> = {
  "seed page": 3,
  "seed page, second set": 3,
  "thyroid-nodule FAQ": 1,
};

describe("chat questions on small folders", () => {
  for (const folder of FOLDERS)
    it(`${folder.name}: few uncovered questions answered, covered ones answered from the right source`, { timeout: 60_000 }, async () => {
      const { index, remove } = await indexOfFolder({ [path.basename(folder.file)]: { copyOf: folder.file } });
      onTestFinished(remove);
      const queries = await readEvaluationQueries(path.join(PROJECT_ROOT, folder.questions));
      const report = await evaluateUnanswerable(index, queries);
      const measured = JSON.stringify({ unanswerable: report.unanswerable, answerable: report.answerable });
      expect(report.unanswerable.queries, measured).toBeGreaterThanOrEqual(25);
      expect(report.answerable.queries, measured).toBeGreaterThanOrEqual(25);
      expect.soft(report.unanswerable.answered, measured).toBeLessThanOrEqual(folder.uncovered);
      expect.soft(report.answerable.rightFirst, measured).toBeGreaterThanOrEqual(folder.rightFirst);
      // The 50 off-topic questions: a dozen rows made everyday words (周末, 多久) look specific to the
      // folder, and 23 of the 850 were answered over these folders before the domain check discounted them.
      const offTopic = (await readFile(path.join(PROJECT_ROOT, "test/fixtures/off-topic-questions.txt"), "utf8")).trim().split("\n");
      const answered: string[] = [];
      for (const question of offTopic) if (!(await retrieve(index, question)).noAnswer) answered.push(question);
      expect.soft(answered.length, answered.join(" | ")).toBeLessThanOrEqual(OFF_TOPIC_ANSWERED[folder.name] ?? 0);
    });
});
