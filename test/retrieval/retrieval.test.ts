import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { cleanQuery } from "../../src/retrieval/clean-query.js";
import { isMedicalText, needsDisclaimer } from "../../src/retrieval/disclaimer-policy.js";
import { normalizedScoreFusion, reciprocalRankFusion } from "../../src/retrieval/fuse-rankings.js";
import { keywordTerms } from "../../src/text/keyword-terms.js";
import { quoteSentences } from "../../src/retrieval/quote-passage.js";
import { sourceSentences } from "../../src/retrieval/source-sentences.js";
import { titleCoverage } from "../../src/retrieval/title-coverage.js";
import { searchEf, searchVectorStore } from "../../src/store/vector-store.js";
import { normalizeText } from "../../src/text/normalize-text.js";
import { createTestKnowledgeBot } from "../support/test-knowledge-bot.js";

describe("query cleanup", () => {
  it.each([
    ["@KbBot 医保怎么报销", "医保怎么报销"],
    ["/ask@KbBot 医保怎么报销", "医保怎么报销"],
    ["医生你好，请问高血压能吃党参吗？谢谢", "高血压能吃党参吗？"],
    ["您好！麻烦问一下 亲情账户 是什么", "亲情账户 是什么"],
    ["   ", ""],
  ])("%s → %s", (input, expected) => expect(cleanQuery(input)).toBe(expected));

  it("normalises full-width and traditional characters for matching", () => {
    expect(normalizeText("醫保報銷ＡＢＣ１２３")).toBe("医保报销abc123");
  });
});

describe("disclaimer policy", () => {
  it.each([
    { title: "高血压患者能吃党参吗", quotedText: "高血压病人可以口服党参。", sourceDisclaimer: false, expected: true, why: "illness and medicine" },
    { title: "医保卡共济后门诊怎么报销", quotedText: "门诊费用由统筹基金按比例支付。", sourceDisclaimer: false, expected: true, why: "medical insurance" },
    { title: "灵活就业交养老保险只交医保行吗", quotedText: "医疗保险属于社保的组成部分。", sourceDisclaimer: false, expected: true, why: "mentions 医保" },
    {
      title: "五指山在哪个省黄山在哪个省",
      quotedText: "五指山位于海南省，黄山位于安徽省。",
      sourceDisclaimer: false,
      expected: false,
      why: "geography filed under 健康新闻",
    },
    { title: "五指山方诺寨要不要爬山", quotedText: "适合体力较好的游客，建议安排1-2天时间。", sourceDisclaimer: false, expected: false, why: "travel" },
    { title: "湘潭社保多少钱一个月", quotedText: "养老保险缴费基数由个人选择。", sourceDisclaimer: false, expected: false, why: "pension, not health" },
    { title: "任意标题", quotedText: "任意内容", sourceDisclaimer: true, expected: true, why: "source carries the disclaimer" },
    { title: "醫院掛號", quotedText: "需要提前預約。", sourceDisclaimer: false, expected: true, why: "traditional characters" },
  ])("$why → $expected", ({ expected, ...input }) => expect(needsDisclaimer([input])).toBe(expected));

  it("is true when any cited source is medical", () => {
    expect(
      needsDisclaimer([
        { title: "五指山", quotedText: "在海南。", sourceDisclaimer: false },
        { title: "感冒", quotedText: "多喝水。", sourceDisclaimer: false },
      ]),
    ).toBe(true);
    expect(isMedicalText("今天天气怎么样")).toBe(false);
  });
});

describe("fusion", () => {
  const dense = [
    { sourceId: "a", score: 0.9 },
    { sourceId: "b", score: 0.45 },
  ];
  const keyword = [
    { sourceId: "b", score: 20 },
    { sourceId: "c", score: 10 },
  ];
  it("normalised score fusion adds each list's score relative to its best", () => {
    const fused = normalizedScoreFusion([
      { items: dense, weight: 1 },
      { items: keyword, weight: 1 },
    ]);
    expect(fused.get("b")).toBeCloseTo(1.5);
    expect(fused.get("a")).toBeCloseTo(1);
    expect(fused.get("c")).toBeCloseTo(0.5);
  });
  it("reciprocal-rank fusion rewards agreement", () => {
    const fused = reciprocalRankFusion(
      [
        { items: dense, weight: 1 },
        { items: keyword, weight: 1 },
      ],
      60,
    );
    expect([...fused.entries()].sort((left, right) => right[1] - left[1])[0][0]).toBe("b");
  });
});

describe("title coverage", () => {
  const rarity = (term: string) => (term.includes("党参") ? 5 : 1);
  const question = new Set(keywordTerms("我有高血压，女婿拿了些党参泡水喝，高血压可以吃党参吗？"));

  it("is 1 when the message contains the whole title and 0 when it shares nothing", () => {
    expect(titleCoverage(question, keywordTerms("高血压可以吃党参吗"), rarity)).toBe(1);
    expect(titleCoverage(question, keywordTerms("五指山在哪个省"), rarity)).toBe(0);
  });

  it("weighs the title's rare terms more than its common ones", () => {
    const withRareTermMissing = titleCoverage(question, keywordTerms("高血压可以吃黄芪吗"), rarity);
    const withCommonTermMissing = titleCoverage(question, keywordTerms("低血压可以吃党参吗"), rarity);
    expect(withRareTermMissing).toBeGreaterThan(0);
    expect(withRareTermMissing).toBeLessThan(withCommonTermMissing);
  });
});

describe("HNSW search ef", () => {
  it("grows with the graph between 256 and 1024", () => {
    expect(searchEf(22)).toBe(256);
    expect(searchEf(7244)).toBe(256);
    expect(searchEf(50_000)).toBe(500);
    expect(searchEf(100_000)).toBe(1000);
    expect(searchEf(5_000_000)).toBe(1024);
  });
});

describe("quoting", () => {
  it("keeps whole sentences, prefers the ones matching the question, and never marks a cut", () => {
    const text = "第一句介绍背景。第二句讲高血压的治疗方法。第三句讲饮食注意事项。第四句是总结。";
    const source = { sourceId: "a", title: "a", kind: "page", text, disclaimer: false, file: "a", contentHash: "" } as const;
    const passage = { chunkId: "a#0", sourceId: "a", chunkIndex: 0, title: "a", text, score: 1 };
    const quote = quoteSentences(sourceSentences([passage], source), new Set(["高血", "血压"]), { maxChars: 30 });
    expect(quote?.text).toBe("第二句讲高血压的治疗方法。");
  });
});

describe("answers from the seed index", () => {
  let bot: LocalKnowledgeBot;
  let cleanup: () => Promise<void>;
  beforeAll(
    async () => ({ bot, cleanup } = await createTestKnowledgeBot({ publicBaseUrl: "https://bot.example.org", platformAnswerMaxChars: { telegram: 90 } })),
  );
  afterAll(() => cleanup());

  /** The chunk of the seed page that holds a quoted text's first line. */
  const chunkHolding = (text: string) =>
    bot.current.chunks.find((chunk) => chunk.sourceId === "000_9de61d0cf05b51f0.txt" && chunk.text.includes(text.split("\n")[0]))!.index;

  it("states the difference the seed page sums up, citing the chunk that holds it", async () => {
    const answer = await bot.answer({ text: "亲情账户和家庭共济账户有什么区别", platform: "web" });
    const quoted = answer.paragraphs[0].text;
    expect(quoted).toContain("电子凭证共享");
    expect(quoted).toContain("资金划拨");
    expect(quoted.length).toBeLessThanOrEqual(300);
    expect(quoted).not.toMatch(/^…|…$|总结$|二、操作对象与范围$/);
    expect(answer.citations[0].url).toBe(`https://bot.example.org/kb/000_9de61d0cf05b51f0.txt#chunk-${chunkHolding(quoted)}`);
    expect(answer.citations[0].url).toMatch(/#chunk-1$/);
  });

  it("says who may use the family account's money", async () => {
    const answer = await bot.answer({ text: "家庭共济账户的钱能给父母看病用吗", platform: "web" });
    expect(answer.paragraphs[0].text).toContain("配偶、父母、子女");
    expect(answer.citations[0].url).toBe(`https://bot.example.org/kb/000_9de61d0cf05b51f0.txt#chunk-${chunkHolding(answer.paragraphs[0].text)}`);
  });

  it("quotes a teaser of the 相关推荐 list up to its last whole sentence", async () => {
    const answer = await bot.answer({ text: "吉林省医保可以在陕西用吗", platform: "web" });
    expect(answer.citations[0].title).toBe("吉林省医保可以在陕西用吗");
    expect(answer.paragraphs[0].text.endsWith("完成备案。")).toBe(true);
  });

  it("keeps a platform's own answer length and the core one elsewhere", async () => {
    const short = await bot.answer({ text: "家庭共济账户的钱能给父母看病用吗", platform: "telegram" });
    const long = await bot.answer({ text: "家庭共济账户的钱能给父母看病用吗", platform: "web" });
    expect(short.paragraphs[0].text.length).toBeLessThanOrEqual(90);
    expect(short.paragraphs[0].text).toContain("配偶、父母、子女");
    expect(long.paragraphs[0].text.length).toBeGreaterThan(90);
    expect(bot.answerMaxChars("wecom")).toBe(300);
  });

  it("answers the seed question with a resolving citation and the disclaimer", async () => {
    const answer = await bot.answer({ text: "亲情账户和家庭共济账户有什么区别", platform: "cli" });
    expect(answer.noAnswer).toBe(false);
    expect(answer.citations[0]).toMatchObject({ n: 1, sourceId: "000_9de61d0cf05b51f0.txt", title: "职工医保亲情账户和共济账户区别" });
    expect(answer.citations[0].url).toMatch(/^https:\/\/bot\.example\.org\/kb\/000_9de61d0cf05b51f0\.txt#chunk-\d+$/);
    expect(answer.text).toContain("[1]");
    expect(answer.disclaimer).toBe(true);
    expect(answer.text.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
    expect(answer.related.length).toBeGreaterThan(0);
    expect(answer.related.every((related) => !answer.citations.some((citation) => citation.sourceId === related.sourceId))).toBe(true);
  });

  it("answers the geography question without the disclaimer", async () => {
    const answer = await bot.answer({ text: "五指山在哪个省", platform: "cli" });
    expect(answer.citations[0].title).toBe("五指山在哪个省黄山在哪个省");
    expect(answer.citations[0].url).toContain("/kb/000_9de61d0cf05b51f0.txt%23related-4");
    expect(answer.disclaimer).toBe(false);
    expect(answer.text).not.toContain(MEDICAL_DISCLAIMER);
  });

  it("says politely that nothing was found, without a disclaimer, for an off-topic question", async () => {
    const answer = await bot.answer({ text: "量子计算机的编程语言有哪些", platform: "cli" });
    expect(answer).toMatchObject({ noAnswer: true, disclaimer: false, citations: [] });
    expect(answer.text).toMatch(/没有找到/);
  });

  it("HNSW top-k agrees with brute-force cosine search on the small index", async () => {
    const index = bot.current;
    const vectors = await Promise.all(index.chunks.map((_, row) => index.vectorStore.index.getPoint(row) as unknown as number[]));
    for (const question of ["医保卡跨市使用", "五指山", "灵活就业养老保险", "亲情账户"]) {
      const query = await index.embedder.embedQuery(question);
      const exact = vectors
        .map((vector, row) => ({ row, similarity: vector.reduce((sum, value, column) => sum + value * query[column], 0) }))
        .sort((left, right) => right.similarity - left.similarity)
        .slice(0, 5);
      const approximate = searchVectorStore(index.vectorStore, query, 5);
      expect(approximate.map((hit) => index.rowByLabel[hit.label])).toEqual(exact.map((hit) => hit.row));
      approximate.forEach((hit, rank) => expect(hit.similarity).toBeCloseTo(exact[rank].similarity, 4));
    }
  });
});
