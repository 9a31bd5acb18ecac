/**
 * The tests that make a word the folder never uses count as a question's topic (see
 * question-coverage.ts): its characters are the folder's (character-specificity.ts) or what its
 * dictionary compounds add is (compound-specificity.ts), and the question asks about it
 * (asked-about.ts) or it is the folder's by a stricter bar; the bars scaled to the folder's size;
 * and the checks of a topic word named twice and of a question restating a covered topic. The
 * whole decision is tested on a folder in uncovered-question.test.ts and calibrated on medqa
 * in test/eval/.
 */
import { describe, expect, it } from "vitest";
import { isAskedAbout } from "../../src/retrieval/asked-about.js";
import { characterSpecificities, characterSpecificity, folderScaledBar } from "../../src/retrieval/character-specificity.js";
import { compoundSpecificity } from "../../src/retrieval/compound-specificity.js";
import { namesTopicWordTwice, restatesCoveredTopic, unknownTopicWords } from "../../src/retrieval/question-coverage.js";
import { KeywordIndex } from "../../src/store/keyword-index.js";
import { keywordTerms } from "../../src/text/keyword-terms.js";

describe("isAskedAbout", () => {
  it.each([
    ["痛风怎么治疗", "痛风"],
    ["孩子发烧要吃退烧药吗", "退烧药"],
    ["最近查出胆结石，平时要注意饮食吗", "胆结石"],
    ["脑梗塞会遗传吗？我爸爸有脑梗塞", "脑梗塞"],
    ["是不是生活太好了的原因，我是轻度的脂肪肝，要留意哪些方面", "脂肪肝"],
    ["患慢性胆囊炎二十多年，主要症状是后背胀疼", "胆囊炎"],
    // A test and its result name what the question is about without any question word after it.
    ["体检时螺杆菌阳性，医生让我一个月后复查", "螺杆菌"],
    ["前几天查了螺杆菌，医生开了三种药", "螺杆菌"],
    ["去年化验甲胎蛋白，当时医生说正常", "甲胎蛋白"],
  ])("%s asks about %s", (question, word) => {
    expect(isAskedAbout(word, question)).toBe(true);
  });

  it.each([
    ["前年开始血压有点高，平时饮食要注意什么", "前年"],
    ["我老爸退居二线以后血压一直偏高，怎么办", "退居二线"],
    ["上周摔了一跤，现在膝盖还疼，需要拍片吗", "摔了一跤"],
    // A lone 得 introduces a diagnosis only right before it: "觉得" and "得很" are not one.
    ["我觉得最近老家的空气不好，血压高要注意什么", "老家"],
    // Only a test verb counts before the word, and only a result right after it: 推测 is not a test.
    ["我推测老家的水不干净，家里人都胃不好", "老家"],
    ["我老爸退休以后血糖偏高", "退休"],
  ])("%s does not ask about %s", (question, word) => {
    expect(isAskedAbout(word, question)).toBe(false);
  });

  it("is false for a word the question does not contain", () => {
    expect(isAskedAbout("痛风", "高血压怎么治疗")).toBe(false);
  });
});

describe("characterSpecificity", () => {
  // A small medical folder: 炎, 病, 血 and 胃 are far more common here than in general Chinese.
  const FOLDER_TITLES = [
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
  ];
  const folder = KeywordIndex.build(FOLDER_TITLES.map((text) => ({ titleTerms: keywordTerms(text), bodyTerms: [] })));

  it("scores a disease name the folder lacks, written with its characters, above an everyday word", () => {
    const disease = characterSpecificity("肠炎", folder);
    const everyday = characterSpecificity("前年", folder);
    expect(disease).toBeGreaterThan(0);
    expect(everyday).toBeLessThan(0);
  });

  it("also gives the strongest character: a word averaging like an everyday one can hold one of the folder's", () => {
    // Forty copies of the ten titles: large enough that the folder's own counts outweigh the prior.
    const larger = KeywordIndex.build(
      Array.from({ length: 40 }, () => FOLDER_TITLES)
        .flat()
        .map((text) => ({ titleTerms: keywordTerms(text), bodyTerms: [] })),
    );
    // 螺 and 杆 are absent or everyday here; 炎 is the folder's.
    const { mean, strongest } = characterSpecificities("螺杆炎", larger);
    expect(strongest).toBeGreaterThan(1.5);
    expect(mean).toBeLessThan(1.5);
    expect(characterSpecificities("前年", larger).strongest).toBeLessThan(1.5);
  });

  it("is 0 for a word without CJK characters and for an empty folder", () => {
    expect(characterSpecificity("ct", folder)).toBe(0);
    expect(characterSpecificity("胃炎", KeywordIndex.build([]))).toBe(0);
  });
});

/** Ten titles of a small medical folder: 药, 病, 炎, 血 and 胃 are far more common here than in general Chinese. */
function medicalFolder(titles = MEDICAL_TITLES): KeywordIndex {
  return KeywordIndex.build(titles.map((text) => ({ titleTerms: keywordTerms(text), bodyTerms: [] })));
}
const MEDICAL_TITLES = [
  "慢性胃炎怎么治疗",
  "胃炎吃什么药",
  "肝炎会传染吗",
  "糖尿病饮食",
  "心脏病的症状",
  "高血压头晕",
  "贫血吃什么补血",
  "血糖高怎么办",
  "胃病能喝酒吗",
  "鼻炎反复发作吃什么药",
];

describe("compoundSpecificity", () => {
  it("scores a disease name whose own characters the folder lacks by the compounds general Chinese builds from it", () => {
    const folder = medicalFolder();
    // The folder has no 冒, so 感冒's characters look everyday; 感冒药, 风寒感冒, 流行性感冒 add the folder's 药, 病, 性…
    expect(characterSpecificity("感冒", folder)).toBeLessThan(0);
    expect(compoundSpecificity("感冒", folder)!).toBeGreaterThan(compoundSpecificity("学生", folder)!);
    expect(compoundSpecificity("感冒", folder)!).toBeGreaterThan(0);
  });

  it("is undefined for a word the dictionary forms no compound from", () => {
    expect(compoundSpecificity("螺杆菌", medicalFolder())).toBeUndefined();
  });
});

describe("restatesCoveredTopic", () => {
  // Enough sources that 癫痫 is a domain word: frequent here, rare in general Chinese.
  const folder = medicalFolder([
    ...MEDICAL_TITLES,
    ...Array.from({ length: 30 }, (_, index) => `癫痫发作第${index}次怎么办`),
    ...Array.from({ length: 200 }, (_, index) => `体检项目${index}`),
  ]);
  const question = "哪些医院治疗癫痫？因为表妹病情严重，我也是专程从外地回去探望她一下。癫痫病去哪里看的好";
  const terms = keywordTerms(question);
  const title = "哪里看癫痫病好";

  it("keeps a question that names twice the domain word the best source's title holds", () => {
    expect(restatesCoveredTopic(question, terms, ["专程"], title, folder, 4)).toBe(true);
  });

  it("never outweighs a topic word the question names twice", () => {
    const twice = `${question}，专程去专程回`;
    expect(restatesCoveredTopic(twice, keywordTerms(twice), ["专程"], title, folder, 4)).toBe(false);
  });

  it("needs the word in the best source's title and specific to the folder", () => {
    expect(restatesCoveredTopic(question, terms, ["专程"], "胃炎吃什么药", folder, 4)).toBe(false);
    expect(restatesCoveredTopic(question, terms, ["专程"], title, folder, 40)).toBe(false);
  });
});

describe("folderScaledBar", () => {
  const copies = (count: number) => medicalFolder(Array.from({ length: count }, () => MEDICAL_TITLES).flat());

  it("moves a bar towards 0 with the scores of a folder too small to trust, and back as the folder grows", () => {
    const bars = [1, 40, 4000].map((count) => folderScaledBar(2.5, copies(count)));
    expect(bars[0]).toBeLessThan(0.05);
    expect(bars[0]).toBeLessThan(bars[1]);
    expect(bars[1]).toBeLessThan(bars[2]);
    expect(bars[2]).toBeLessThan(2.5);
    expect(bars[2]).toBeGreaterThan(2);
    expect(folderScaledBar(2.5, KeywordIndex.build([]))).toBe(0);
  });

  it("keeps a small folder's disease name above the bar and its everyday words below it", () => {
    const folder = copies(1);
    // Unscaled, 1.0 would call nothing in ten titles the folder's.
    expect(characterSpecificity("肠炎", folder)).toBeLessThan(1);
    expect(characterSpecificity("肠炎", folder)).toBeGreaterThan(folderScaledBar(1, folder));
    expect(characterSpecificity("前年", folder)).toBeLessThan(folderScaledBar(1, folder));
  });
});

describe("unknownTopicWords", () => {
  // Large enough that the bars are close to their calibrated values.
  const folder = medicalFolder(Array.from({ length: 4000 }, () => MEDICAL_TITLES).flat());
  // Only the average character signal, so each word's fate is plain: 血脂 passes the first bar, 胃镜 both.
  const only = (mean: number) => ({ minCharacterSpecificity: mean, minStrongestCharacterSpecificity: 100, minCompoundSpecificity: 100 });
  const thresholds = { asked: only(1), unasked: only(2.5) };
  const topicWords = (question: string) => unknownTopicWords(question, keywordTerms(question), folder, thresholds);

  it("counts a word of the folder's characters when the question asks about it", () => {
    expect(characterSpecificity("血脂", folder)).toBeGreaterThan(folderScaledBar(1, folder));
    expect(characterSpecificity("血脂", folder)).toBeLessThan(folderScaledBar(2.5, folder));
    expect(topicWords("血脂偏高怎么办")).toEqual(["血脂"]);
  });

  it("counts a word strongly the folder's even when the question does not ask about it, and not a weaker one", () => {
    expect(characterSpecificity("胃镜", folder)).toBeGreaterThan(folderScaledBar(2.5, folder));
    // Neither 胃镜 nor 血脂 is asked about: no question word follows in its clause, no 是/查出 before it.
    expect(topicWords("上个月做了胃镜，医生看了血脂，平时饮食要注意吗")).toEqual(["胃镜"]);
  });

  it("never counts the folder's own words or everyday words it lacks", () => {
    expect(topicWords("前年开始胃炎吃什么药")).toEqual([]);
  });
});

describe("namesTopicWordTwice", () => {
  it("is true when one of the topic words appears twice, in the question's normal form", () => {
    expect(namesTopicWordTwice("奶奶检查出高血压，高血压可以吃味精吗", ["高血压"])).toBe(true);
    expect(namesTopicWordTwice("Ｂ超查出胆结石，胆结石要手术吗", ["痛风", "胆结石"])).toBe(true);
  });

  it("is false for a topic word named once, or no topic word", () => {
    expect(namesTopicWordTwice("高血压可以吃味精吗", ["高血压"])).toBe(false);
    expect(namesTopicWordTwice("高血压可以吃味精吗？高血压", [])).toBe(false);
  });
});
