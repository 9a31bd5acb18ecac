/**
 * The answer model on a small folder: its probability is the logistic of its standardized features,
 * a model fitted on other features is refused by name, and on a real folder it answers a covered
 * question from the right row, refuses one about a thing the folder lacks, counts a synonym the
 * source holds as held, and never answers from a row that lacks the place the question names.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANSWER_FEATURES } from "../../src/retrieval/answer-features.js";
import { answerProbability, checkAnswerModel, type AnswerModel } from "../../src/retrieval/answer-model.js";
import { ANSWER_MODEL } from "../../src/retrieval/answer-model-weights.js";
import { DEFAULT_RETRIEVAL_SETTINGS, retrieve } from "../../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../../src/store/loaded-index.js";
import { indexOfFolder } from "../support/folder-index.js";

const zeros = ANSWER_FEATURES.map(() => 0);
const ones = ANSWER_FEATURES.map(() => 1);

describe("answerProbability", () => {
  it("is the logistic of the bias plus each standardized feature times its weight", () => {
    const model: AnswerModel = { features: [...ANSWER_FEATURES], mean: ones, spread: ANSWER_FEATURES.map(() => 2), weights: zeros, bias: 0 };
    expect(answerProbability(model, ones)).toBe(0.5);
    const weighted: AnswerModel = { ...model, weights: ANSWER_FEATURES.map((_, position) => (position === 0 ? 4 : 0)) };
    // (3 - 1) / 2 * 4 = 4 for the first feature.
    expect(answerProbability(weighted, [3, ...ones.slice(1)])).toBeCloseTo(1 / (1 + Math.exp(-4)), 12);
  });

  it("refuses a model fitted on other features, naming the error and how to fit it again", () => {
    const reordered = { ...ANSWER_MODEL, features: [...ANSWER_MODEL.features].reverse() };
    expect(() => checkAnswerModel(reordered)).toThrow(
      expect.objectContaining({ code: "ANSWER_MODEL_MISMATCH", hint: expect.stringContaining("train-answer-model") }),
    );
    expect(() => checkAnswerModel({ ...ANSWER_MODEL, spread: ANSWER_MODEL.spread.map(() => 0) })).toThrow(/not the ones/u);
    expect(checkAnswerModel(ANSWER_MODEL)).toBe(ANSWER_MODEL);
  });
});

const FAQ = [
  "id,question,answer",
  "card-lost,医保卡丢了怎么补办,医保卡遗失后先拨打服务热线挂失，再带身份证到社保经办窗口或银行网点补办，一般当场或7个工作日内可以拿到新卡。",
  "fasting,体检前需要空腹吗,抽血和腹部B超要求空腹8小时以上，体检前一天晚饭清淡，晚上十点以后不要再吃东西，可以少量喝白开水。",
  "jiangsu-cross-city,江苏省医保卡能跨市使用吗,江苏省内医保卡已经实现跨市直接结算，在省内其他城市的定点医院和药店刷卡不需要备案，报销比例和参保地一样。",
  "flu-vaccine,流感疫苗每年都要打吗,流感病毒每年变异，疫苗保护期大约6到12个月，建议每年秋季接种一次，60岁以上老人和慢性病患者优先。",
  "dental-scaling,洗牙多久洗一次,牙周健康的人建议每6到12个月洗一次牙，牙结石多或有牙周炎的人3到6个月复查一次。",
].join("\n");

let index: LoadedIndex;
let remove: () => Promise<void>;
beforeAll(async () => ({ index, remove } = await indexOfFolder({ "faq.csv": FAQ, "synonyms.txt": "空腹 饿肚子\n" })));
afterAll(() => remove());

describe("the answer model on a small folder", () => {
  it("answers a covered question from the right row and reports each candidate's features and probability", async () => {
    const result = await retrieve(index, "医保卡弄丢了咋补办");
    expect(result.noAnswer).toBe(false);
    expect(result.hits[0].sourceId).toBe("card-lost");
    const best = result.confidence.candidates![0];
    expect(best.sourceId).toBe("card-lost");
    expect(best.probability).toBeGreaterThanOrEqual(DEFAULT_RETRIEVAL_SETTINGS.minAnswerProbability);
    expect(Object.keys(best.features)).toEqual([...ANSWER_FEATURES]);
  });

  it("refuses a question about a thing no row holds, naming it", async () => {
    const result = await retrieve(index, "带状疱疹疫苗要打几针");
    expect(result.noAnswer).toBe(true);
    expect(result.missingSubject).toContain("带状疱疹");
  });

  it("counts the characters of a word whose synonym the row holds as held: 饿肚子 where the row says 空腹", async () => {
    const result = await retrieve(index, "体检前要饿肚子吗");
    expect(result.noAnswer).toBe(false);
    expect(result.hits[0].sourceId).toBe("fasting");
    expect(result.confidence.candidates![0].features.charactersInSource).toBe(1);
  });

  it("never answers from a row that lacks the place the question names", async () => {
    const result = await retrieve(index, "浙江省医保卡能跨市使用吗");
    expect(result.noAnswer).toBe(true);
    expect(result.missingSubject).toContain("浙江");
    for (const candidate of result.confidence.candidates!) if (candidate.sourceId === "jiangsu-cross-city") expect(candidate.probability).toBe(0);
  });

  it("leaves the decision to the subject checks when its threshold is 0, and still reports the features", async () => {
    const result = await retrieve(index, "医保卡弄丢了咋补办", 10, { ...DEFAULT_RETRIEVAL_SETTINGS, minAnswerProbability: 0 });
    expect(result.noAnswer).toBe(false);
    expect(result.confidence.candidates![0].probability).toBeUndefined();
  });
});

describe("a question the answer model refuses though the subject checks pass", () => {
  it("names the content words the nearest source lacks: 诊所 for a pharmacy FAQ", async () => {
    const pharmacy = await indexOfFolder({ "pharmacy-faq.csv": { copyOf: "test/fixtures/pharmacy-faq.csv" } });
    try {
      const result = await retrieve(pharmacy.index, "小诊所能刷医保吗");
      expect(result.noAnswer).toBe(true);
      expect(result.confidence.candidates![0].features.subjectChecksAnswer).toBe(1);
      expect(result.nearTopic).toBe(true);
      expect(result.missingSubject).toBe("诊所");
    } finally {
      await pharmacy.remove();
    }
  });
});
