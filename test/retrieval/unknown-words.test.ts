/**
 * A word jieba does not know comes out as single characters (鼻模 → 鼻 模, 祛疤膏 → 祛 疤 膏); such a
 * run is still what the question is about, and a small folder that never says it does not answer.
 * Where the run's end is a guess (无创选 is 无创 + 选) or it is a short name (扩弓器 for 扩弓矫治器), the
 * folder's text accounts for it and the question is answered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { questionSubjects } from "../../src/retrieval/question-subjects.js";
import { DEFAULT_RETRIEVAL_SETTINGS } from "../../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../../src/store/loaded-index.js";
import { normalizeText } from "../../src/text/normalize-text.js";
import { synonymIndex } from "../../src/text/synonyms.js";
import { indexOfFolder } from "../support/folder-index.js";

const FAQ = [
  "id,question,answer",
  "cleft-age,唇裂修复术在什么年龄做最好？,单侧唇裂一般在3到6个月做修复，双侧唇裂在6到12个月做，体重和血红蛋白达标才能手术。",
  "cleft-scar,唇裂修复术后会留疤吗？,术后会留下一条细的瘢痕，一年内逐渐变淡；拆线后可以在医生指导下用硅酮类祛疤药物，注意防晒。",
  "cleft-stay,唇裂修复术要住院几天？,一般住院5到7天，术前检查血常规和心电图，术后观察伤口没有感染就可以出院。",
  "expander,扩弓矫治器怎么加力？,扩弓矫治器中间有螺旋，家长按医生交代用钥匙每天或隔天转一次，每次四分之一圈，不要自行加快。",
  "screening,唐筛和无创DNA有什么区别？,唐筛是抽血算风险，费用低但准确率约70%；无创DNA检测胎儿游离DNA，准确率99%以上，费用较高，高龄孕妇建议直接做无创。",
].join("\n");

let index: LoadedIndex;
let remove: () => Promise<void>;
beforeAll(async () => ({ index, remove } = await indexOfFolder({ "faq.csv": FAQ })));
afterAll(() => remove());

const subjectWords = (question: string) =>
  questionSubjects(normalizeText(question), synonymIndex(), DEFAULT_RETRIEVAL_SETTINGS.subjectBars).map((subject) => subject.word);

describe("a word jieba does not know", () => {
  it("is one subject, not single characters, and never a question word or a verb with its result", () => {
    expect(subjectWords("鼻孔里那个鼻模要戴几个月")).toContain("鼻模");
    expect(subjectWords("祛疤膏医保能报吗")).toContain("祛疤膏");
    expect(subjectWords("医保卡丢了咋补")).not.toContain("咋补");
    expect(subjectWords("职工医保要交满多少年")).not.toContain("交满");
  });

  it("that the folder never says stops an answer and is named", async () => {
    const blood = await retrieve(index, "唇裂手术前要备血吗");
    expect(blood.noAnswer).toBe(true);
    expect(blood.missingSubject).toBe("备血");
    const ointment = await retrieve(index, "祛疤膏医保能报吗");
    expect(ointment.noAnswer).toBe(true);
  });

  it("is found as a short name of the folder's word, or as the end of a word the folder has", async () => {
    const expander = await retrieve(index, "扩弓器钥匙往哪边转");
    expect(expander.noAnswer).toBe(false);
    expect(expander.hits[0].sourceId).toBe("expander");
    const screening = await retrieve(index, "唐筛和无创选哪个好");
    expect(screening.noAnswer).toBe(false);
    expect(screening.hits[0].sourceId).toBe("screening");
  });
});
