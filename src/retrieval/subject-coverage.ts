/**
 * Does a source cover what the question is about? Every subject word (question-subjects.ts) must be
 * found, by one of its alternatives, in the folder; and a short question's places, medical terms and
 * asked word all in the one source it is answered from (a source about 吉林 does not answer about
 * 湖南). A long description tells a story around its question, so there only the folder is asked: no
 * source at all mentions a subject the folder never uses.
 */
import type { LoadedIndex } from "../store/loaded-index.js";
import { askedAttribute, statesAttribute, type AskedAttribute } from "./asked-attribute.js";
import { isShortQuestion } from "./asked-part.js";
import { normalizeText } from "../text/normalize-text.js";
import { folderHolds, folderMatches, sourceText } from "./folder-text.js";
import type { QuestionSubject } from "./question-subjects.js";

/** Where a subject was found, for hit testing. */
export type SubjectFound = "source" | "folder" | "nowhere";

export interface SubjectVerdict {
  /** Each subject and where it was found (the chosen source, elsewhere in the folder, nowhere). */
  subjects: { word: string; kind: QuestionSubject["kind"]; found: SubjectFound }[];
  /** The source to answer from: the first candidate holding every subject it must; undefined when none may answer. */
  sourceId: string | undefined;
  /** The subjects that stop an answer, in question order; empty when `sourceId` is set. */
  missing: QuestionSubject[];
  /** The figure asked for (a price, a length of time) that no source holding the subjects states. */
  missingAttribute?: AskedAttribute;
}

/**
 * `candidates` are source ids best first; `normalized` is the question in normalizeText form.
 * `wholeQuestion` is true for a folder small enough that each source is about its own few things
 * (an FAQ, a page of articles): there every subject counts, and a short question's must all be in
 * the one source that answers it. In a large folder many sources tell of the same things in other
 * words, so only the vocabulary's medical terms and places count, and only the folder must hold them.
 */
export function judgeSubjects(
  index: LoadedIndex,
  normalized: string,
  allSubjects: readonly QuestionSubject[],
  candidates: readonly string[],
  wholeQuestion: boolean,
): SubjectVerdict {
  const short = isShortQuestion(normalized);
  const counts = (subject: QuestionSubject) => (wholeQuestion ? short || subject.kind !== "word" : subject.kind === "medical" || subject.kind === "place");
  const subjects = allSubjects.filter(counts);
  const inFolder = subjects.map((subject) =>
    foundIn(
      subject,
      (word) => folderHolds(index, word),
      (pattern) => folderMatches(index, pattern),
    ),
  );
  const covers = (sourceId: string, subject: QuestionSubject) => {
    const text = sourceText(index, sourceId);
    return foundIn(
      subject,
      (word) => text.includes(word),
      (pattern) => pattern.test(text),
    );
  };
  const describe = (sourceId: string | undefined) =>
    subjects.map((subject, position) => ({
      word: subject.word,
      kind: subject.kind,
      found: (sourceId !== undefined && covers(sourceId, subject) ? "source" : inFolder[position] ? "folder" : "nowhere") as SubjectFound,
    }));
  const absent = subjects.filter((_, position) => !inFolder[position]);
  const best = candidates[0];
  if (absent.length > 0 || best === undefined) return { subjects: describe(best), sourceId: undefined, missing: absent };
  if (!wholeQuestion || !short) return { subjects: describe(best), sourceId: best, missing: [] };
  // Places, medical terms and what is asked (the named word that ends the question: 怎么激活) must all
  // be in the answering source: 吉林's source does not answer about 湖南, nor 体检's 饮酒 about 哺乳期,
  // nor 吉林's 停保 about 激活. The other named things need only be in the folder, since sources tell a
  // setting in their own words (看病 / 门诊) and checking those per source lost right answers —
  const required = subjects.filter((subject) => subject.kind === "place" || subject.kind === "medical" || (subject.kind === "named" && subject.asked));
  // and it must hold at least one subject besides the places: a page on 海南五指山's sights shares the
  // place with "海南医保去外省能用吗" and nothing of what is asked.
  const topical = subjects.filter((subject) => subject.kind !== "place");
  const onTopic = (sourceId: string) => topical.length === 0 || topical.some((subject) => covers(sourceId, subject));
  const covering = candidates.find((sourceId) => required.every((subject) => covers(sourceId, subject)) && onTopic(sourceId));
  if (covering === undefined) return { subjects: describe(best), sourceId: undefined, missing: required.filter((subject) => !covers(best, subject)) };
  // A question asking for a figure ("洗一次牙要多少钱") is answered only if that source states one of the
  // kind. Not another candidate that does: with no subject to hold, any row giving a price would do.
  const attribute = askedAttribute(normalized);
  const about = subjects.filter((subject) => subject.kind !== "place");
  if (attribute !== undefined && !statesFigureAbout(index, covering, attribute, about, covers))
    return { subjects: describe(covering), sourceId: undefined, missing: [], missingAttribute: attribute };
  return { subjects: describe(covering), sourceId: covering, missing: [] };
}

/**
 * How a reply names what is missing: the stretch of the question from the first missing subject to
 * the end of the last ("北京医保在上海"), or the words themselves when that stretch is long.
 */
export function nameMissing(normalized: string, missing: readonly Pick<QuestionSubject, "word" | "start">[]): string {
  if (missing.length === 0) return "";
  const start = Math.min(...missing.map((subject) => subject.start));
  const end = Math.max(...missing.map((subject) => subject.start + subject.word.length));
  if (end - start <= 12) return normalized.slice(start, end);
  return [...new Set(missing.map((subject) => subject.word))].join("、");
}

/**
 * Whether a text (the folder, a source, a passage: `holds` tells whether it holds a word) has the
 * subject: one of its alternatives, all of a phrase's parts, or, where `matches` is given, an
 * unknown word accounted for (unknownWordExplained).
 */
export function foundIn(subject: QuestionSubject, holds: (word: string) => boolean, matches?: (pattern: RegExp) => boolean): boolean {
  return (
    subject.alternatives.some(holds) ||
    (subject.parts?.every(holds) ?? false) ||
    (matches !== undefined && subject.context !== undefined && unknownWordExplained(subject.word, subject.context, holds, matches))
  );
}

/**
 * An unknown word (a run of characters jieba could not join) is accounted for when the text holds
 * its characters in pairs the question also has, so that no two unaccounted ones stand together
 * (无创选: 无创 is in the folder, so 创 belongs to it and 选 alone is no word), or, for three characters or more, the word spread out in one clause: a
 * Chinese short name keeps its full name's characters in order (扩弓器 → 扩弓矫治器).
 */
function unknownWordExplained(word: string, context: string, holds: (text: string) => boolean, matches: (pattern: RegExp) => boolean): boolean {
  const offset = context.indexOf(word);
  const characters = [...word];
  const inPair = characters.map((_, position) => {
    const at = offset + position;
    return (at > 0 && holds(context.slice(at - 1, at + 1))) || (at + 1 < context.length && holds(context.slice(at, at + 2)));
  });
  // What no pair accounts for is an unknown word only where two such characters still stand together.
  const explained = inPair.every((paired, position) => paired || (inPair[position + 1] ?? true));
  if (explained || characters.length < 3) return explained;
  return matches(new RegExp(characters.join("[^，。；？！,.;?!\\n]{0,3}"), "u"));
}

/**
 * The figure is stated where the source speaks of what the question asks it about: in a sentence that,
 * with the one before it, holds each subject the source's title does not ("腭裂手术要住几天院" against a
 * row on 唇裂's stay that mentions 腭裂 elsewhere gives no days for 腭裂). Places are left out: a row
 * on one city's rules states its figures without naming the city again.
 */
function statesFigureAbout(
  index: LoadedIndex,
  sourceId: string,
  attribute: AskedAttribute,
  subjects: readonly QuestionSubject[],
  covers: (sourceId: string, subject: QuestionSubject) => boolean,
): boolean {
  const text = sourceText(index, sourceId);
  if (subjects.length === 0) return statesAttribute(text, attribute.kind);
  const title = normalizeText(index.sources.get(sourceId)?.title ?? "");
  // Within a passage only the subject's own words count, not an unknown word's pairs.
  const holds = (passage: string, subject: QuestionSubject) => foundIn(subject, (word) => passage.includes(word));
  const untitled = subjects.filter((subject) => !holds(title, subject) && covers(sourceId, subject));
  const sentences = text.split(/[。！？；!?;\n]+/u);
  // The sentence before counts too: a figure often names its thing by reference ("本院该项目费用约180元").
  return sentences.some((sentence, position) => {
    if (!statesAttribute(sentence, attribute.kind)) return false;
    const passage = `${sentences[position - 1] ?? ""}。${sentence}`;
    return untitled.every((subject) => holds(passage, subject));
  });
}
