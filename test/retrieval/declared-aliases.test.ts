/**
 * A folder that names a thing two ways ("长期护理保险（简称长护险）", "唇裂……俗称“兔唇”") has the two
 * names count as synonyms: a question asking with the name one row mentions in passing is ranked by
 * what else it asks, not pulled to that row.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredAliases, DECLARED_ALIAS_LIMITS } from "../../src/text/declared-aliases.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../../src/store/loaded-index.js";
import { indexOfFolder } from "../support/folder-index.js";

describe("names a folder declares", () => {
  it("are read from brackets, from 又称 and from a sentence's subject", () => {
    expect(
      declaredAliases([
        "本市推行的长期护理保险（简称“长护险”）由医保部门经办。",
        "光化性角化病又称日光性角化病、老年角化病，是一种癌前病变。",
        "唇裂是胎儿在母体内发育时上唇未能正常融合而形成的先天畸形，俗称“兔唇”，可分为单侧和双侧。",
        "常见情况包括：前牙反颌（俗称地包天）或个别牙错位。",
      ]),
    ).toEqual([
      ["长期护理保险", "长护险"],
      ["光化性角化病", "日光性角化病", "老年角化病"],
      ["唇裂", "兔唇"],
      ["前牙反颌", "地包天"],
    ]);
  });

  it("are not read from text that only says 称 or runs on without naming", () => {
    expect(declaredAliases(["患者自称头痛三天。", "医生称之为很常见的情况而且不需要治疗的一种病变过程"])).toEqual([]);
  });

  it("are bounded however large the folder", () => {
    const texts = Array.from({ length: DECLARED_ALIAS_LIMITS.maxGroups + 50 }, (_, number) => `甲${number}病（简称乙${number}）`);
    expect(declaredAliases(texts)).toHaveLength(DECLARED_ALIAS_LIMITS.maxGroups);
  });
});

const FAQ = [
  "id,question,answer",
  "what,什么是唇裂修复术？,唇裂是胎儿发育时上唇未能正常融合形成的先天畸形，俗称“兔唇”。唇裂修复术通过手术把裂开的上唇缝合，恢复外形和功能。",
  "scar,唇裂修复术后会留疤吗？,唇裂手术后会留下一条细的瘢痕，随生长会逐渐变淡，术后坚持减张和防晒，必要时用祛疤药物。",
  "age,唇裂修复术在什么年龄做最好？,单侧唇裂一般在3到6个月做，双侧唇裂可在6到12个月做，体重和血红蛋白达标即可手术。",
  "feeding,唇裂修复术后怎么喂养？,唇裂术后用汤匙或滴管喂奶，避免吸吮用力，喂完用温水清洁伤口。",
].join("\n");

let index: LoadedIndex;
let remove: () => Promise<void>;
beforeAll(async () => ({ index, remove } = await indexOfFolder({ "cleft.csv": FAQ })));
afterAll(() => remove());

describe("a question asking with the declared name", () => {
  it("is searched and judged under the folder's own name", async () => {
    expect(index.synonyms.alternatives("兔唇")).toContain("唇裂");
    const scar = await retrieve(index, "兔唇做完会不会留疤");
    expect(scar.noAnswer).toBe(false);
    expect(scar.hits[0].sourceId).toContain("scar");
  });
});
