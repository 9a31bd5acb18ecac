/**
 * The two tests that make a word the folder never uses count as a question's topic (see
 * question-coverage.ts): its characters are the folder's (character-specificity.ts) and the
 * question asks about it (asked-about.ts). The whole decision is tested on a folder in
 * uncovered-question.test.ts and calibrated on medqa in test/eval/.
 */
import { describe, expect, it } from "vitest";
import { isAskedAbout } from "../../src/retrieval/asked-about.js";
import { characterSpecificity } from "../../src/retrieval/character-specificity.js";
import { KeywordIndex } from "../../src/store/keyword-index.js";
import { keywordTerms } from "../../src/text/keyword-terms.js";

describe("isAskedAbout", () => {
  it.each([
    ["痛风怎么治疗", "痛风"],
    ["孩子发烧要吃退烧药吗", "退烧药"],
    ["最近查出胆结石，平时要注意饮食吗", "胆结石"],
    ["脑梗塞会遗传吗？我爸爸有脑梗塞", "脑梗塞"],
  ])("%s asks about %s", (question, word) => {
    expect(isAskedAbout(word, question)).toBe(true);
  });

  it.each([
    ["前年开始血压有点高，平时饮食要注意什么", "前年"],
    ["我老爸退居二线以后血压一直偏高，怎么办", "退居二线"],
    ["上周摔了一跤，现在膝盖还疼，需要拍片吗", "摔了一跤"],
  ])("%s does not ask about %s", (question, word) => {
    expect(isAskedAbout(word, question)).toBe(false);
  });

  it("is false for a word the question does not contain", () => {
    expect(isAskedAbout("痛风", "高血压怎么治疗")).toBe(false);
  });
});

describe("characterSpecificity", () => {
  // A small medical folder: 炎, 病, 血 and 胃 are far more common here than in general Chinese.
  const folder = KeywordIndex.build(
    [
      "慢性胃炎怎么治疗",
      "胃炎吃什么药",
      "肝炎会传染吗",
      "糖尿病饮食",
      "心脏病的症状",
      "高血压头晕",
      "贫血吃什么补血",
      "血糖高怎么办",
      "胃病能喝酒吗",
      "鼻炎反复发作",
    ].map((text) => ({ titleTerms: keywordTerms(text), bodyTerms: [] })),
  );

  it("scores a disease name the folder lacks, written with its characters, above an everyday word", () => {
    const disease = characterSpecificity("肠炎", folder);
    const everyday = characterSpecificity("前年", folder);
    expect(disease).toBeGreaterThan(0);
    expect(everyday).toBeLessThan(0);
  });

  it("is 0 for a word without CJK characters and for an empty folder", () => {
    expect(characterSpecificity("ct", folder)).toBe(0);
    expect(characterSpecificity("胃炎", KeywordIndex.build([]))).toBe(0);
  });
});
