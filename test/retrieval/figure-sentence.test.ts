/**
 * A figure asked about one thing is stated about that thing: a row on the stay after 唇裂 surgery
 * that mentions 腭裂 in another sentence gives no number of days for 腭裂, and does not answer
 * "腭裂手术要住几天院". A figure that names its thing by reference in the next sentence
 * ("……多重核酸检测。本院该项目费用约180至400元") still answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retrieve } from "../../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../../src/store/loaded-index.js";
import { indexOfFolder } from "../support/folder-index.js";

const FAQ = [
  "id,question,answer",
  "cleft-stay,唇裂修复术要住院几天？,单纯唇裂修复手术后一般住院5到7天，术后观察伤口没有感染就可以出院。合并腭裂的孩子以后要另做腭裂修复。",
  "cleft-age,唇裂修复术在什么年龄做最好？,单侧唇裂一般在3到6个月修复，双侧唇裂在6到12个月修复，体重和血红蛋白达标才能手术。",
  "virus-test,需要做检查确认是什么病毒吗？,一般感冒不需要查病毒。需要与流感区分时，医生会采集鼻咽拭子做呼吸道病原体多重核酸检测。本院该项目费用约180至400元，当天或次日出结果。",
].join("\n");

let index: LoadedIndex;
let remove: () => Promise<void>;
beforeAll(async () => ({ index, remove } = await indexOfFolder({ "faq.csv": FAQ })));
afterAll(() => remove());

describe("a figure asked about one thing", () => {
  it("is not answered by a row whose figure is about another thing it also mentions", async () => {
    const palate = await retrieve(index, "腭裂手术要住几天院");
    expect(palate.noAnswer).toBe(true);
    expect(palate.missingSubject).toContain("时间");
    const lip = await retrieve(index, "唇裂手术要住几天院");
    expect(lip.noAnswer).toBe(false);
    expect(lip.hits[0].sourceId).toBe("cleft-stay");
  });

  it("is answered where the figure's sentence refers back to the thing named just before", async () => {
    const price = await retrieve(index, "呼吸道病毒核酸检测多少钱");
    expect(price.noAnswer).toBe(false);
    expect(price.hits[0].sourceId).toBe("virus-test");
  });
});
