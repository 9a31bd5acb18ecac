/**
 * Composing the retrieval-only reply from whole sentences: sentence boundaries, headings and
 * lead-ins kept as context only, comparisons of two things quoting two sources, sources that are
 * themselves cut short, citation anchors at the quoted sentence's chunk, and the length setting.
 */
import { describe, expect, it } from "vitest";
import { answerLengths } from "../../src/bot/answer-lengths.js";
import { loadConfig } from "../../src/config.js";
import type { SearchHit, SourceDoc } from "../../src/core/types.js";
import { comparedSides } from "../../src/retrieval/compared-sides.js";
import { composeAnswer, DEFAULT_COMPOSE_OPTIONS, type ComposeOptions } from "../../src/retrieval/compose-answer.js";
import type { RetrievalResult } from "../../src/retrieval/retrieve.js";
import { sourceSentences } from "../../src/retrieval/source-sentences.js";
import { keywordTerms } from "../../src/text/keyword-terms.js";

const BASE = "https://bot.example.org";

function source(sourceId: string, title: string, text: string, extra: Partial<SourceDoc> = {}): SourceDoc {
  return { sourceId, title, kind: "page", text, disclaimer: false, file: sourceId, contentHash: "", ...extra };
}

/** A hit whose passages are the given chunks of the source (chunk index → text). */
function hit(doc: SourceDoc, chunks: Record<number, string>, score = 1): SearchHit {
  const passages = Object.entries(chunks).map(([index, text]) => ({
    chunkId: `${doc.sourceId}#${index}`,
    sourceId: doc.sourceId,
    chunkIndex: Number(index),
    title: doc.title,
    text,
    score,
  }));
  return { sourceId: doc.sourceId, title: doc.title, score, passages };
}

function compose(question: string, hits: SearchHit[], docs: SourceDoc[], options: Partial<ComposeOptions> = {}) {
  const result: RetrievalResult = {
    query: question,
    queryTerms: keywordTerms(question),
    hits,
    noAnswer: false,
    confidence: { domainSpecificity: 10, keywordCoverage: 1, denseSimilarity: 1 },
  };
  return composeAnswer(result, new Map(docs.map((doc) => [doc.sourceId, doc])), { ...DEFAULT_COMPOSE_OPTIONS, publicBaseUrl: BASE, ...options });
}

const bodyLength = (paragraphs: { text: string }[]) => paragraphs.reduce((sum, paragraph) => sum + paragraph.text.length, 0);

describe("sentence-boundary composition", () => {
  const text = [
    "二、饮食建议",
    "高血压患者每天吃盐不宜超过5克。腌制食品含盐很多，应当少吃。多吃新鲜蔬菜和水果对控制血压有帮助。",
    "三、运动建议",
    "每周进行五次中等强度的有氧运动，每次三十分钟左右。运动前后要注意监测心率。",
    "四、用药",
    "降压药需要长期按时服用，不要自行停药。血压控制平稳后也应定期复查。",
    "总结",
  ].join("\n\n");
  const doc = source("diet.md", "高血压患者的生活方式", text);

  it("quotes whole sentences that match the question, in source order, and never ends on a heading", () => {
    const answer = compose("高血压患者每天吃多少盐", [hit(doc, { 0: text })], [doc], { maxAnswerChars: 80 });
    const quoted = answer.paragraphs[0].text;
    expect(quoted).toContain("高血压患者每天吃盐不宜超过5克。");
    expect(quoted.length).toBeLessThanOrEqual(80);
    expect(quoted).not.toMatch(/^…|…$/);
    expect(quoted).toMatch(/[。！？]$/);
    expect(quoted).not.toMatch(/(总结|四、用药|三、运动建议)$/);
    // Whole sentences: every quoted sentence is a sentence of the source.
    for (const sentence of quoted.split(/(?<=。)|\n+/).filter((piece) => piece.trim() !== "")) expect(text).toContain(sentence.trim());
  });

  it("brings the heading right before the quoted sentence along as context", () => {
    const answer = compose("每周运动几次", [hit(doc, { 0: text })], [doc], { maxAnswerChars: 80 });
    expect(answer.paragraphs[0].text.startsWith("三、运动建议\n\n每周进行五次中等强度的有氧运动")).toBe(true);
  });

  it("quotes a short source whole, up to its last sentence, without its trailing heading", () => {
    const answer = compose("降压药能停吗", [hit(doc, { 0: text })], [doc], { maxAnswerChars: 1000 });
    expect(answer.paragraphs[0].text.endsWith("血压控制平稳后也应定期复查。")).toBe(true);
  });

  it("cuts a single sentence longer than the limit at a clause mark, the only case that ends in …", () => {
    const long = `高血压患者${"要注意饮食，".repeat(30)}并且按时服药。`;
    const one = source("long.md", "长句", long);
    const quoted = compose("高血压患者注意什么", [hit(one, { 0: long })], [one], { maxAnswerChars: 100 }).paragraphs[0].text;
    expect(quoted.length).toBeLessThanOrEqual(100);
    expect(quoted).toMatch(/饮食…$/);
  });
});

describe("sources that are themselves cut short", () => {
  it("quotes a related-item teaser up to its last whole sentence", () => {
    const text = "根据政策,吉林省医保卡可以在陕西省直接结算。需提前办理异地就医备案手续。 二、具体使用流程 备案方式 线上备案";
    const teaser = source("page.txt#related-1", "吉林省医保可以在陕西用吗", text, { kind: "excerpt" });
    const quoted = compose("吉林省医保可以在陕西用吗", [hit(teaser, { 0: text })], [teaser]).paragraphs[0].text;
    expect(quoted).toBe("根据政策,吉林省医保卡可以在陕西省直接结算。需提前办理异地就医备案手续。");
  });
});

describe("comparisons", () => {
  it.each([
    ["亲情账户和家庭共济账户有什么区别", ["亲情账户", "家庭共济账户"]],
    ["布洛芬与对乙酰氨基酚哪个好", ["布洛芬", "对乙酰氨基酚"]],
    ["吃布洛芬还是对乙酰氨基酚", ["布洛芬", "对乙酰氨基酚"]],
  ])("%s compares %j", (question, sides) => expect(comparedSides(question)).toEqual(sides));

  it.each(["家庭共济账户的钱能给父母看病用吗", "高血压和糖尿病患者的饮食"])("%s compares nothing", (question) =>
    expect(comparedSides(question)).toBeUndefined(),
  );

  const ibuprofen = source("ibuprofen.md", "布洛芬的用法", "布洛芬是一种非甾体抗炎药。布洛芬退烧一般每6小时服用一次。服药期间不宜饮酒。");
  const paracetamol = source("paracetamol.md", "对乙酰氨基酚的用法", "对乙酰氨基酚常用于退烧和止痛。对乙酰氨基酚对胃的刺激较小。每天用量不超过2克。");
  const unrelated = source("cold.md", "感冒的护理", "感冒时要多喝水，注意休息。");

  it("quotes one source about each thing when no single source covers both, within the length", () => {
    const hits = [hit(ibuprofen, { 0: ibuprofen.text }, 1), hit(unrelated, { 0: unrelated.text }, 0.9), hit(paracetamol, { 0: paracetamol.text }, 0.5)];
    const answer = compose("布洛芬和对乙酰氨基酚有什么区别", hits, [ibuprofen, paracetamol, unrelated], { maxAnswerChars: 120 });
    expect(answer.citations.map((citation) => citation.sourceId)).toEqual(["ibuprofen.md", "paracetamol.md"]);
    expect(answer.paragraphs.map((paragraph) => paragraph.citations)).toEqual([[1], [2]]);
    expect(answer.paragraphs[0].text).toContain("布洛芬");
    expect(answer.paragraphs[1].text).toContain("对乙酰氨基酚");
    expect(bodyLength(answer.paragraphs)).toBeLessThanOrEqual(120);
    expect(answer.related.map((related) => related.sourceId)).toEqual(["cold.md"]);
  });

  it("quotes one source when it compares the two things itself, preferring the sentence about both", () => {
    const text = "布洛芬是一种非甾体抗炎药。对乙酰氨基酚常用于退烧。两者的区别在于布洛芬能消炎而对乙酰氨基酚不能。";
    const both = source("both.md", "布洛芬和对乙酰氨基酚", text);
    const answer = compose("布洛芬和对乙酰氨基酚有什么区别", [hit(both, { 0: text }), hit(paracetamol, { 0: paracetamol.text }, 0.9)], [both, paracetamol], {
      maxAnswerChars: 30,
    });
    expect(answer.citations.map((citation) => citation.sourceId)).toEqual(["both.md"]);
    expect(answer.paragraphs[0].text).toBe("两者的区别在于布洛芬能消炎而对乙酰氨基酚不能。");
  });

  it("answers a question that compares nothing from the best source alone", () => {
    const hits = [hit(ibuprofen, { 0: ibuprofen.text }, 1), hit(paracetamol, { 0: paracetamol.text }, 0.99)];
    expect(compose("布洛芬退烧多久吃一次", hits, [ibuprofen, paracetamol]).citations).toHaveLength(1);
  });
});

describe("citation anchors", () => {
  const first = "一、背景\n\n社区医院提供基本医疗服务。";
  const second = "社区医院提供基本医疗服务。家庭医生签约后可以预约上门随访。";
  const doc = source("clinic.md", "社区医院", `${first}家庭医生签约后可以预约上门随访。`);

  it("opens the source page at the chunk that holds the first quoted sentence", () => {
    const answer = compose("家庭医生签约后可以上门随访吗", [hit(doc, { 0: first, 1: second })], [doc], { maxAnswerChars: 20 });
    expect(answer.paragraphs[0].text).toBe("家庭医生签约后可以预约上门随访。");
    expect(answer.citations[0].url).toBe(`${BASE}/kb/clinic.md#chunk-1`);
  });

  it("gives a sentence that the chunk overlap repeats to the earlier chunk, where the page shows it", () => {
    const sentences = sourceSentences(hit(doc, { 0: first, 1: second }).passages, doc);
    expect(sentences.filter((sentence) => sentence.text.includes("基本医疗服务")).map((sentence) => sentence.chunkIndex)).toEqual([0]);
    const answer = compose("社区医院提供什么服务", [hit(doc, { 0: first, 1: second })], [doc], { maxAnswerChars: 20 });
    expect(answer.citations[0].url).toBe(`${BASE}/kb/clinic.md#chunk-0`);
  });

  it("keeps a page or slide location of the quoted chunk", () => {
    const slides = source("deck.pptx", "讲座", "第一页。\n\n家庭医生签约后可以预约上门随访。");
    const withLocation = hit(slides, { 0: "第一页。", 3: "家庭医生签约后可以预约上门随访。" });
    withLocation.passages[1].location = { unit: "slide", number: 4 };
    const answer = compose("家庭医生签约后可以上门随访吗", [withLocation], [slides], { maxAnswerChars: 20 });
    expect(answer.citations[0].url).toBe(`${BASE}/kb/deck.pptx#slide-4`);
  });
});

describe("answer length per platform", () => {
  it("reads TELEGRAM_ANSWER_MAX_CHARS and WECOM_ANSWER_MAX_CHARS, falling back to ANSWER_MAX_CHARS", () => {
    const config = loadConfig({ ANSWER_MAX_CHARS: "250", TELEGRAM_BOT_TOKEN: "123:abc", TELEGRAM_ANSWER_MAX_CHARS: "120", WECOM_WEBHOOK_KEY: "key" });
    expect(answerLengths(config)).toEqual({ answerMaxChars: 250, platformAnswerMaxChars: { telegram: 120, wecom: undefined } });
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: "123:abc", TELEGRAM_ANSWER_MAX_CHARS: "10" })).toThrow(/TELEGRAM_ANSWER_MAX_CHARS/);
  });
});
