/**
 * Is a word what the question asks about, or a word of the story around it? People name the
 * subject of their question right before the question words ("痛风怎么治疗", "脑梗塞严重吗"), name
 * it more than once, introduce it as a diagnosis ("查出胆结石", "患有冠心病", "是轻度的脂肪肝") or
 * as a test and its result ("查幽门螺杆菌是阳性", "螺杆菌阳性"); the narrative words of a long
 * description (前年, 老爸, 摔了一跤) rarely do any of these.
 */

/** A character of the same clause: anything but the punctuation that ends one. */
const CLAUSE_CHARACTER = "[^，。！？,.!?；;]";

/** Question words after the word in the same clause, within 14 characters (6–30 tried on the tuning topics). */
const QUESTION_AFTER = new RegExp(
  `^${CLAUSE_CHARACTER}{0,14}?(?:怎么|如何|吗|么|什么|哪些|能不能|可以|可不可以|严重|治疗|症状|引起|原因|是否|要紧|好治|能治|有效|偏方|注意|危害|检查)`,
);
/**
 * A diagnosis or condition introduced right before the word, or with up to four characters of
 * description between ("是轻度的脂肪肝", "患慢性胆囊炎"; a lone 得 only right before it, since
 * "得很" and "觉得" are not diagnoses).
 */
const NAMED_BEFORE = new RegExp(`(?:(?:患|得了|得|有|是|查出|诊断为|确诊|患有|患上)|(?:患|得了|有|是|查出|诊断为|确诊|患有|患上)${CLAUSE_CHARACTER}{1,4})$`);

/**
 * A test result right after the word ("螺杆菌阳性", "血糖偏高"), or the word as what was tested, with
 * up to four characters between ("查幽门螺杆菌", "化验了甲胎蛋白"). Bare 测 is left out: 推测, 猜测.
 * Chosen on per-query features of the tune, held-out, common, fresh and symptoms lists; it moved
 * only tune and held-out (README "No-answer decision").
 */
const TEST_RESULT_AFTER = /^(?:阳性|阴性|偏高|偏低|超标|升高|增高|异常|感染)/;
const TESTED_BEFORE = new RegExp(`(?:查|检查|检测|化验)${CLAUSE_CHARACTER}{0,4}$`);

/** `text` is the question in the same normal form as its terms (see normalizeText). */
export function isAskedAbout(word: string, text: string): boolean {
  const first = text.indexOf(word);
  if (first < 0) return false;
  const last = text.lastIndexOf(word);
  if (last !== first) return true;
  const after = text.slice(last + word.length);
  const before = text.slice(0, first);
  return QUESTION_AFTER.test(after) || TEST_RESULT_AFTER.test(after) || NAMED_BEFORE.test(before) || TESTED_BEFORE.test(before);
}
