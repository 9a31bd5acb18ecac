/**
 * A question asking for a figure (a price, a length of time) is answered only by a source that states
 * one of that kind: on a small dental FAQ, "洗一次牙要多少钱" holds the words of the row on how often to
 * have teeth cleaned, which gives no price, and gets a no-answer naming the missing figure; the row
 * that gives the implant's price answers "种植牙得花多少钱".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askedAttribute, nameAttribute, statesAttribute } from "../../src/retrieval/asked-attribute.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../../src/store/loaded-index.js";
import { normalizeText } from "../../src/text/normalize-text.js";
import { indexOfFolder } from "../support/folder-index.js";

const FAQ = [
  "id,question,answer",
  "scaling-frequency,洗牙多久洗一次合适,一般建议每6到12个月洗一次牙。牙结石多、吸烟或有牙周炎的人可以缩短间隔，由医生根据牙龈情况决定。",
  "implant-price,种植牙大概多少钱，医保能报吗,单颗种植牙费用一般在6000到12000元之间，集采后部分地区降到5000元左右。种植体和牙冠一般不在医保报销范围内。",
  "scaling-bleeding,洗完牙出血是洗坏了吗,洗牙后牙龈少量出血是正常的，说明牙龈有炎症。坚持正确刷牙和使用牙线，出血会逐渐减少。",
  "extraction-care,拔牙后要注意什么,拔牙后咬住棉球半小时，当天不要刷牙漱口，不要用吸管喝水，两小时后可以吃温凉的软食。",
  "scaling-insurance,洗牙能用医保吗,普通洗牙属于保健项目，医保统筹不支付；有牙周炎需要做龈下刮治的，按治疗项目报销，职工医保报销80%。",
  "orthodontics-age,牙齿矫正几岁做比较好,儿童牙齿矫正一般在12岁左右恒牙换完后进行，成年人只要牙周健康也可以矫正。",
].join("\n");

let index: LoadedIndex;
let remove: () => Promise<void>;
beforeAll(async () => ({ index, remove } = await indexOfFolder({ "dental.csv": FAQ })));
afterAll(() => remove());

describe("the figure a question asks for", () => {
  it("is a price, a length of time or a share, and a source states it in numbers of its unit", () => {
    expect(askedAttribute("洗牙医保报销比例是多少")?.kind).toBe("share");
    expect(askedAttribute("种牙医保能报几成")?.kind).toBe("share");
    expect(askedAttribute("医保能报多少钱")?.kind).toBe("price");
    expect(statesAttribute("职工医保按70%报销", "share")).toBe(true);
    expect(statesAttribute("报销比例看当地政策", "share")).toBe(false);
    expect(askedAttribute("洗一次牙要多少钱")?.kind).toBe("price");
    expect(askedAttribute("拔完牙多久能吃饭")?.kind).toBe("duration");
    expect(askedAttribute("甲状腺手术要住院几天")?.kind).toBe("duration");
    expect(askedAttribute("洗完牙出血正常吗")).toBeUndefined();
    expect(statesAttribute("费用一般在6000到12000元之间", "price")).toBe(true);
    expect(statesAttribute("社区接种一类疫苗免费", "price")).toBe(true);
    expect(statesAttribute("每6到12个月洗一次", "price")).toBe(false);
    expect(statesAttribute("报告一般3到5个工作日出", "duration")).toBe(true);
    expect(statesAttribute("坚持正确刷牙", "duration")).toBe(false);
  });

  it("is named with what it is asked about", () => {
    const question = normalizeText("做根管治疗大概要多少钱");
    expect(nameAttribute(question, askedAttribute(question)!)).toBe("根管治疗的费用");
  });
});

describe("a question asking for a figure on a small folder", () => {
  it("gets a no-answer naming the figure when the sources holding its words state none", async () => {
    const result = await retrieve(index, "洗一次牙要多少钱");
    expect(result.noAnswer).toBe(true);
    expect(result.nearTopic).toBe(true);
    expect(result.missingSubject).toBe("洗一次牙的费用");
    const share = await retrieve(index, "种植牙医保能报几成");
    expect(share.noAnswer).toBe(true);
    expect(share.missingSubject).toBe("种植牙医保的报销比例");
  });

  it("is answered by the source that states the figure", async () => {
    const price = await retrieve(index, "种植牙得花多少钱");
    expect(price.noAnswer).toBe(false);
    expect(price.hits[0].sourceId).toBe("implant-price");
    const share = await retrieve(index, "牙周炎刮治医保能报几成");
    expect(share.noAnswer).toBe(false);
    expect(share.hits[0].sourceId).toBe("scaling-insurance");
    const time = await retrieve(index, "拔牙以后多久能吃东西");
    expect(time.noAnswer).toBe(false);
    expect(time.hits[0].sourceId).toBe("extraction-care");
  });
});
