import { describe, expect, it } from "vitest";
import { buildUnanswerableSet, topicOfTerm } from "../../src/cli/unanswerable-set.js";

const CORPUS = [
  "id,question,answer",
  "r1,肝大是什么原因,肝大多见于肝炎和脂肪肝。",
  "r2,乙肝大三阳能治好吗,乙肝大三阳需要长期抗病毒治疗。",
  "r3,大三阳会传染吗,大三阳可以通过血液和母婴传染。",
  "r4,孩子发热怎么办,发热超过38.5度可以用退热药。",
  "r5,胃痛吃什么药,胃痛可以先查幽门螺杆菌。",
  "r6,糖尿病遗传吗,糖尿病有遗传倾向。",
].join("\n");

describe("the random-topic construction", () => {
  it("removes every row holding a topic's characters, but counts as uncovered only the queries where no word runs across the topic's edge", () => {
    const set = buildUnanswerableSet(
      CORPUS,
      [
        { query: "肝大是怎么回事", expected: ["r1"] },
        { query: "乙肝大三阳怎么治", expected: ["r2"] },
        { query: "大三阳传染吗", expected: ["r3"] },
      ],
      [{ name: "肝大", words: ["肝大"] }],
    );
    expect([...set.removedIds].sort()).toEqual(["r1", "r2"]);
    expect(set.keptCorpusCsv).toContain("大三阳会传染吗");
    // The 乙肝大三阳 question is about what r3 still answers, not about 肝大: it is left out, not counted uncovered.
    expect(set.queries).toEqual([
      { query: "肝大是怎么回事", expected: [], topic: "肝大" },
      { query: "大三阳传染吗", expected: ["r3"] },
    ]);
  });

  it("counts a topic inside a longer word as the topic: 遗传 in 隔代遗传", () => {
    const set = buildUnanswerableSet(CORPUS, [{ query: "糖尿病会隔代遗传吗", expected: ["r6"] }], [{ name: "遗传", words: ["遗传"] }]);
    expect(set.queries).toEqual([{ query: "糖尿病会隔代遗传吗", expected: [], topic: "遗传" }]);
  });

  it("takes a drawn term with its shipped synonyms, so the rows that say it the other way go too", () => {
    const topic = topicOfTerm("发烧");
    expect(topic.words).toEqual(expect.arrayContaining(["发烧", "发热"]));
    const set = buildUnanswerableSet(CORPUS, [{ query: "宝宝发烧咋办", expected: ["r4"] }], [topic]);
    expect(set.removedIds.has("r4")).toBe(true);
    expect(set.queries).toEqual([{ query: "宝宝发烧咋办", expected: [], topic: "发烧" }]);
  });
});
