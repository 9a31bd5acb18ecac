/**
 * A question asking for a figure (a price, a length of time) is answered only by a source that states
 * one of that kind: on a small dental FAQ, "洗一次牙要多少钱" holds the words of the row on how often to
 * have teeth cleaned, which gives no price, and gets a no-answer naming the missing figure; the row
 * that gives the implant's price answers "种植牙得花多少钱".
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { askedAttribute, nameAttribute, statesAttribute } from "../../src/retrieval/asked-attribute.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { loadIndex, type LoadedIndex } from "../../src/store/loaded-index.js";
import { normalizeText } from "../../src/text/normalize-text.js";

const local = { kind: "local" as const, batchSize: 64 };
const FAQ = [
  "id,question,answer",
  "scaling-frequency,洗牙多久洗一次合适,一般建议每6到12个月洗一次牙。牙结石多、吸烟或有牙周炎的人可以缩短间隔，由医生根据牙龈情况决定。",
  "implant-price,种植牙大概多少钱，医保能报吗,单颗种植牙费用一般在6000到12000元之间，集采后部分地区降到5000元左右。种植体和牙冠一般不在医保报销范围内。",
  "scaling-bleeding,洗完牙出血是洗坏了吗,洗牙后牙龈少量出血是正常的，说明牙龈有炎症。坚持正确刷牙和使用牙线，出血会逐渐减少。",
  "extraction-care,拔牙后要注意什么,拔牙后咬住棉球半小时，当天不要刷牙漱口，不要用吸管喝水，两小时后可以吃温凉的软食。",
  "orthodontics-age,牙齿矫正几岁做比较好,儿童牙齿矫正一般在12岁左右恒牙换完后进行，成年人只要牙周健康也可以矫正。",
].join("\n");

let work: string;
let index: LoadedIndex;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-asked-attribute-"));
  await mkdir(path.join(work, "knowledge"));
  await writeFile(path.join(work, "knowledge", "dental.csv"), FAQ);
  await buildIndex({ knowledgeDir: path.join(work, "knowledge"), indexDir: path.join(work, "index"), embedder: local });
  index = await loadIndex(path.join(work, "index"), local);
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe("the figure a question asks for", () => {
  it("is a price or a length of time, and a source states it in numbers of its unit", () => {
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
  });

  it("is answered by the source that states the figure", async () => {
    const price = await retrieve(index, "种植牙得花多少钱");
    expect(price.noAnswer).toBe(false);
    expect(price.hits[0].sourceId).toBe("implant-price");
    const time = await retrieve(index, "拔牙以后多久能吃东西");
    expect(time.noAnswer).toBe(false);
    expect(time.hits[0].sourceId).toBe("extraction-care");
  });
});
