/**
 * In a small folder every row names the same topic, so the row a question wants is the one whose
 * title asks about the same aspect of it: "舌乳头炎都有啥表现" wants the row on 症状, not the one on the
 * kinds of 舌乳头炎 whose answer happens to say 表现 twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { questionAspects } from "../../src/retrieval/question-aspect.js";
import { DEFAULT_RETRIEVAL_SETTINGS, retrieve } from "../../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../../src/store/loaded-index.js";
import { normalizeText } from "../../src/text/normalize-text.js";
import { indexOfFolder } from "../support/folder-index.js";

const aspects = (text: string) => [...questionAspects(normalizeText(text))].sort();

describe("the aspect a question asks about", () => {
  it("is read the same in everyday and formal words", () => {
    expect(aspects("为啥一熬夜嘴上就起泡")).toEqual(["cause"]);
    expect(aspects("哪些情况容易诱发唇疱疹？")).toEqual(["cause"]);
    expect(aspects("舌乳头炎都有啥表现")).toEqual(["signs"]);
    expect(aspects("感染鼻病毒有哪些症状？")).toEqual(["signs"]);
    expect(aspects("咋分辨是流感还是普通感冒")).toEqual(["difference"]);
    expect(aspects("给孩子做个扩弓器要花多少")).toEqual(["cost"]);
  });

  it("tells how long from how often, and what something is only when nothing else is asked", () => {
    expect(aspects("地包天矫正要多久能好")).toEqual(["duration"]);
    expect(aspects("洗牙多久洗一次合适")).toEqual(["frequency"]);
    expect(aspects("长护险是干啥用的")).toEqual(["definition"]);
    expect(aspects("兔唇手术具体是做啥的")).toEqual(["definition"]);
    expect(aspects("唇疱疹的原因是什么")).toEqual(["cause"]);
    // Each sentence of a title is read alone.
    expect(aspects("什么是长期护理保险？和医保有什么不同？")).toEqual(["definition", "difference"]);
    expect(aspects("长期护理保险每年交多少钱？")).toEqual(["cost"]);
  });

  it("is none for a question that asks nothing in particular", () => {
    expect(aspects("舌乳头炎")).toEqual([]);
  });
});

const FAQ = [
  "id,question,answer",
  "kinds,舌乳头炎分为哪几种？,按发生部位分为丝状乳头炎、菌状乳头炎、轮廓乳头炎和叶状乳头炎，各型的表现不同。",
  "signs,舌乳头炎有哪些症状？,常见表现是舌头局部红肿、疼痛，吃辣或热的食物时刺痛加重，舌尖或舌边可见小红点，一般没有全身发热。",
  "cause,为什么会得舌乳头炎？,舌乳头炎多与局部刺激有关，比如牙尖锐利、假牙摩擦、吃过烫过辣的食物，也和贫血、维生素缺乏、熬夜上火有关。",
  "treat,舌乳头炎怎么治疗？,先去除刺激因素，保持口腔清洁，可用淡盐水或医生开的含漱液漱口，疼痛明显时局部用药，缺乏维生素的要补充。",
  "contagion,舌乳头炎会传染吗？,舌乳头炎不是感染性疾病，不会通过接吻、共用餐具传染给别人。",
].join("\n");

let index: LoadedIndex;
let remove: () => Promise<void>;
beforeAll(async () => ({ index, remove } = await indexOfFolder({ "tongue.csv": FAQ })));
afterAll(() => remove());

describe("a small folder's rows that share the question's aspect", () => {
  it("come first among rows that match its words about as well", async () => {
    const signs = await retrieve(index, "舌乳头炎都有啥表现");
    expect(signs.noAnswer).toBe(false);
    expect(signs.hits[0].sourceId).toContain("signs");
    const withoutAspects = await retrieve(index, "舌乳头炎都有啥表现", 10, { ...DEFAULT_RETRIEVAL_SETTINGS, aspectWeight: 0 });
    expect(withoutAspects.hits[0].sourceId).toContain("kinds");
  });
});
