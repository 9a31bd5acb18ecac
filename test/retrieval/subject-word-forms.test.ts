/**
 * How a question's words are read as subjects on a small folder: a verb bound to its thing (喝咖啡)
 * is covered where the thing is, a verb with its result (批下来, 离不开), a word glued to the question's
 * particle (有用吗), a doubled word (反反复复), a question phrase (咋回事, 干嘛) and a degree after 得
 * (疼得厉害) name nothing, and a finding
 * after a one-character organ (肺结节) is that organ's finding, not the folder's other 结节.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retrieve } from "../../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../../src/store/loaded-index.js";
import { indexOfFolder } from "../support/folder-index.js";

const FAQ = [
  "id,question,answer",
  "caffeine-pregnancy,怀孕期间咖啡因要控制吗,孕期每天摄入的咖啡因建议不超过200毫克，大约相当于一杯中杯咖啡。浓茶、可乐和能量饮料里也有咖啡因，要一起算进去。",
  "thyroid-nodule-surgery,甲状腺结节多大需要手术,甲状腺结节超过4厘米、压迫气管食管，或者穿刺提示恶性时，医生会建议手术；大多数良性结节只需要定期复查B超。",
  "chronic-approval,门诊慢特病认定要等多长时间,提交申请材料后，医保经办机构一般在20个工作日内完成认定，结果会通过短信通知，也可以在医保APP上查询。",
  "photodynamic-pain,光动力治疗疼吗,光动力治疗照光时皮肤会有灼热和刺痛感，多数人可以耐受，医生会用冷风或冷喷缓解；治疗后几天内局部发红、脱皮属于正常反应，要严格避光。",
  "tongue-papillitis-vitamin,舌乳头炎需要补维生素吗,缺乏B族维生素或铁的人容易反复发作舌乳头炎，可以在医生指导下补充维生素B2、B12和铁剂，同时少吃辛辣烫的食物，保持口腔清洁。",
  "sleeping-pill-dependence,安眠药吃久了会不会上瘾,苯二氮卓类安眠药连续服用超过4周可能产生依赖，也就是常说的上瘾。停药要在医生指导下逐渐减量，不要自己突然停。",
].join("\n");

let index: LoadedIndex;
let remove: () => Promise<void>;
beforeAll(async () => ({ index, remove } = await indexOfFolder({ "faq.csv": FAQ })));
afterAll(() => remove());

describe("the words of a short question", () => {
  it("count a verb bound to its thing as found where the thing is: 喝咖啡 in a source that says 咖啡", async () => {
    const coffee = await retrieve(index, "孕妇能喝咖啡吗");
    expect(coffee.noAnswer).toBe(false);
    expect(coffee.hits[0].sourceId).toBe("caffeine-pregnancy");
  });

  it("do not take a verb with its result (批下来, 离不开) for a missing subject", async () => {
    const approval = await retrieve(index, "慢特病认定多久能批下来");
    expect(approval.noAnswer).toBe(false);
    expect(approval.hits[0].sourceId).toBe("chronic-approval");
    const dependence = await retrieve(index, "安眠药吃两个月会离不开吗");
    expect(dependence.noAnswer).toBe(false);
    expect(dependence.hits[0].sourceId).toBe("sleeping-pill-dependence");
  });

  it("do not take a word glued to the question's particle (有用吗) or a doubled word (反反复复) for a subject", async () => {
    const vitamin = await retrieve(index, "吃维生素对舌乳头炎有用吗");
    expect(vitamin.noAnswer).toBe(false);
    expect(vitamin.hits[0].sourceId).toBe("tongue-papillitis-vitamin");
    const recurring = await retrieve(index, "舌乳头炎反反复复咋办");
    expect(recurring.noAnswer).toBe(false);
    expect(recurring.hits[0].sourceId).toBe("tongue-papillitis-vitamin");
  });

  it("find a 疗法 where its 治疗 is (光动力疗法 → 光动力治疗)", async () => {
    const photodynamic = await retrieve(index, "光动力疗法疼不疼");
    expect(photodynamic.noAnswer).toBe(false);
    expect(photodynamic.hits[0].sourceId).toBe("photodynamic-pain");
  });

  it("read a finding after a one-character organ as that organ's: 肺结节 is missing from a folder on the thyroid's 结节", async () => {
    const lung = await retrieve(index, "肺结节多大需要手术");
    expect(lung.noAnswer).toBe(true);
    expect(lung.missingSubject).toBe("肺结节");
    const thyroid = await retrieve(index, "甲状腺结节多大要开刀");
    expect(thyroid.noAnswer).toBe(false);
    expect(thyroid.hits[0].sourceId).toBe("thyroid-nodule-surgery");
  });

  it("do not take a question phrase (咋回事, 干嘛) or a degree after 得 (疼得厉害) for a subject", async () => {
    for (const question of ["照完光皮肤发红脱皮咋回事", "光动力治疗疼得厉害咋办", "光动力治疗时冷喷是干嘛的"]) {
      const result = await retrieve(index, question);
      expect(result.noAnswer, question).toBe(false);
      expect(result.hits[0].sourceId, question).toBe("photodynamic-pain");
    }
  });
});
