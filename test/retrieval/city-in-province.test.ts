/**
 * A city counts as found where its province is: on a small folder of provincial 医保 answers, a
 * question about 长春 is answered from the 吉林 source, and one about 南京, a city of a province the
 * folder never covers, gets a no-answer naming the city.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { loadIndex, type LoadedIndex } from "../../src/store/loaded-index.js";

const local = { kind: "local" as const, batchSize: 64 };
const FAQ = [
  "id,question,answer",
  "jilin-activate,吉林省医保卡怎么激活,吉林省参保人可以在吉林智慧人社APP或者微信小程序上激活电子医保凭证，也可以带身份证到社保卡服务网点现场激活。",
  "fujian-family,福建省医保家庭共济使用范围,福建省职工医保个人账户开通家庭共济后，可以支付配偶、父母、子女在定点医药机构发生的个人负担费用。",
  "shaanxi-retire,陕西省退休人员医保待遇,陕西省职工医保退休人员不再缴费，个人账户按月划入，住院报销比例比在职职工高。",
].join("\n");

let work: string;
let index: LoadedIndex;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-city-province-"));
  await mkdir(path.join(work, "knowledge"));
  await writeFile(path.join(work, "knowledge", "provinces.csv"), FAQ);
  await buildIndex({ knowledgeDir: path.join(work, "knowledge"), indexDir: path.join(work, "index"), embedder: local });
  index = await loadIndex(path.join(work, "index"), local);
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe("a city in a question", () => {
  it("is covered by a source on its province", async () => {
    const changchun = await retrieve(index, "长春的医保卡咋激活");
    expect(changchun.noAnswer).toBe(false);
    expect(changchun.hits[0].sourceId).toBe("jilin-activate");
    const fuzhou = await retrieve(index, "在福州，家庭共济能给爸妈用吗");
    expect(fuzhou.noAnswer).toBe(false);
    expect(fuzhou.hits[0].sourceId).toBe("fujian-family");
  });

  it("of a province the folder never covers is named as missing", async () => {
    const nanjing = await retrieve(index, "南京的医保卡咋激活");
    expect(nanjing.noAnswer).toBe(true);
    expect(nanjing.missingSubject).toBe("南京");
  });
});
