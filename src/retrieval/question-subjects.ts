/**
 * What a question is about: its subject words, each with the words that count as it.
 * - A medical term or place name of the shipped vocabulary (subject-vocabulary.ts) that starts and
 *   ends on jieba word boundaries (已经开始 holds no 经开), unless it is an everyday word of general
 *   Chinese (医院, 检查, 治疗: general IDF below `minMedicalIdf`).
 * - A word of the synonym lists (停保, 补办, 买药) that is not everyday (general IDF ≥ `minNamedIdf`).
 * - In the asking part of the question (asked-part.ts): a Latin name (hpv); a noun that is rare in
 *   general Chinese (门票, 押金: general IDF ≥ `minNamedIdf`), or, less rare, a "word" subject (余额,
 *   密码: ≥ `minWordIdf`), which only a short question needs the folder to hold; and a verb only as
 *   what is asked, right before the question's end (能喝酒吗, 怎么补办).
 * - In the asking part too: a word jieba does not know, which it cuts into single characters (鼻模,
 *   祛疤膏, 牙槽突裂植骨), as a "word" subject (see UnknownWords).
 * Everyday words (家里, 一样, 城市), modal compounds (能用, 会动) and question words name no subject.
 * A subject counts as found where any of its alternatives is: its synonyms, for a drug the name
 * without its dosage form (雷贝拉唑钠肠溶胶囊 → 雷贝拉唑钠), and for a city its province (长春 → 吉林).
 */
import { CJK_CHARACTERS, segmenter } from "../text/chinese-terms.js";
import { generalWordIdf } from "../text/general-word-rarity.js";
import { vocabularyMatches } from "../text/subject-vocabulary.js";
import { CITY_PROVINCE } from "../text/vocabulary/city-provinces.js";
import type { SynonymIndex } from "../text/synonyms.js";
import { askedPart } from "./asked-part.js";

export type SubjectKind = "medical" | "place" | "named" | "word";

export interface QuestionSubject {
  word: string;
  kind: SubjectKind;
  /** Position in the normalized question. */
  start: number;
  /** The word and the words that count as it (synonyms, a drug name without its dosage form). */
  alternatives: readonly string[];
  /** True when it ends the question, right before its question word: what is asked ("怎么补办", "能喝酒吗"). */
  asked: boolean;
  /** For a phrase of the synonym lists or a long noun (直接结算, 报销比例): its words, found where all of them are. */
  parts?: readonly string[];
  /**
   * For a word jieba does not know (鼻模, 扩弓器): the question's characters around it, since where
   * the unknown word ends is a guess (无创选 may be 无创 + 选).
   */
  context?: string;
}

export interface SubjectBars {
  /** A vocabulary medical term with a lower general IDF is an everyday word (医院 5.9, 检查 6.0, 症状 6.6). */
  minMedicalIdf: number;
  /** A synonym-list or content word needs at least this general IDF to name a subject (门票 8.6, 补办 11.1). */
  minNamedIdf: number;
  /** A noun between this and minNamedIdf is a "word" subject (余额 7.4, 密码 7.8; 家里 5.7, 办理 6.6). */
  minWordIdf: number;
}

const CJK_WORD = new RegExp(`^[${CJK_CHARACTERS}]{2,}$`, "u");
/**
 * Who is asking about whom is not what is asked: people and kin (老妈, 我爸, 孩子, 同事) never name a
 * subject, whatever their rarity, in the question or in the synonym lists.
 */
const PEOPLE =
  /^(?:我|你|他|她)?(?:老?(?:爸|妈|公|婆)|爸爸|妈妈|爸妈|父亲|母亲|父母|爷爷|奶奶|外公|外婆|姥姥|姥爷|孩子|小孩|儿子|女儿|宝宝|宝贝|婴儿|老人|老年人|家人|家里人|亲戚|朋友|同事|同学|领导|老板|丈夫|妻子|媳妇|爱人|对象|男朋友|女朋友|哥哥|姐姐|弟弟|妹妹|兄弟姐妹|子女|本人|自己)$/u;

/**
 * jieba's noun tags. A noun names a subject; a verb only as what is asked ("能喝酒吗", "怎么补办"),
 * right before the question's end: elsewhere the verbs tell what happened (查出, 上班).
 */
const NOUN_TAGS = new Set(["n", "nz", "nt", "nr", "ns", "vn", "j"]);
const VERB_TAGS = new Set(["v", "a", "i", "l"]);
/** A Latin name (hpv, ct, app) names a thing; units and numbers do not. */
const LATIN_NAME = /^[a-z][a-z0-9-]*[a-z]$/u;
const UNITS = new Set(["mg", "ml", "kg", "cm", "mm", "km", "ok", "ph"]);
const QUESTION_END =
  /^(?:吗|么|嘛|呢|不|没|没有|啊|呀|行不行|行吗|好不好|可以吗|可不可以|能不能|怎么办|咋办|咋整|怎么回事|咋回事|要紧吗|严重吗|有影响吗)?[\s？?。.!！~～]*$/u;
/** Question phrases jieba may tag as verbs or nouns (缬沙坦社区有没有, 咋回事, 是干嘛的): they ask, they name nothing. */
const QUESTION_PHRASE = /^(?:有没有|是不是|会不会|要不要|行不行|好不好|对不对|管不管用|管用|回事|干嘛|干啥|来得及)$/u;
/** A word that starts with a modal or question character asks, it does not name (能用, 会动, 咋办, 啥意思). */
const ASKING_START = /^[能会可要想该得敢咋啥怎几多不一行]/u;

/**
 * The question's own content words, jieba's cut, that could name what it is about: no people, no
 * question or modal words, and rare enough in general Chinese (`minIdf`), with their positions. A
 * reply names those a source lacks when it lacks no subject word and still does not answer.
 */
export function contentWords(normalized: string, minIdf: number): { word: string; start: number }[] {
  const words: { word: string; start: number }[] = [];
  let offset = 0;
  for (const word of segmenter().cut(normalized, false)) {
    const start = normalized.indexOf(word, offset);
    if (start < 0) continue;
    offset = start + word.length;
    if (
      CJK_WORD.test(word) &&
      !PEOPLE.test(word) &&
      !ASKING_START.test(word) &&
      !QUESTION_PHRASE.test(word) &&
      !NOT_A_NAME.test(word) &&
      generalWordIdf(word) >= minIdf
    )
      words.push({ word, start });
  }
  return words;
}
/**
 * A verb bound to what it acts on (喝咖啡, 吃海鲜, 坐飞机): the thing is the subject, so a source that
 * says 咖啡 covers 喝咖啡, and a folder that never says 海鲜 still lacks 吃海鲜.
 */
const BOUND_VERB = /^[喝吃抽吸打做用买坐开涂擦戴泡拍查换]/u;
/**
 * A verb with its result or direction (批下来, 退回来, 消掉, 离不开, 够不够) tells what happens to the
 * subject, not what the subject is: like the other verbs outside the asked part it names nothing.
 */
const VERB_WITH_RESULT = /^.+(?:下来|上来|回来|出来|起来|过来|过去|下去|不开|不了|得了|掉)$|^(.)不\1/u;
/**
 * Not names either: a word jieba glued to the question's particle (有用吗) and a doubled word
 * (点点, 反反复复), which tells how often or how much, not what.
 */
const NOT_A_NAME = /^.+[吗呢吧么]$|^(.)\1$|^(.)\2(.)\3$/u;
/**
 * Findings that sit in an organ (结节, 囊肿, 息肉, 结石): after a one-character organ the two name one
 * disease (肺结节 is not 甲状腺结节), so a source on the thyroid's nodules does not cover the lung's.
 */
const LESION = /(?:结节|囊肿|息肉|结石|肿瘤|肿块|增生|钙化|癌)$/u;
const ORGAN_CHARACTER = /^[肺肝胃肾心脑眼耳鼻喉舌牙腰腿脚手胸腹背颈脸乳肠胆脾胰骨]$/u;

/** Dosage forms a drug's name ends with in questions ("…肠溶胶囊", "…片"); the rest is the drug. */
const DOSAGE_FORM = /(?:肠溶胶囊|肠溶片|缓释片|缓释胶囊|控释片|分散片|胶囊|颗粒|口服液|注射液|软膏|乳膏|滴眼液|喷雾剂|糖浆|片|丸|散|膏)$/u;

/**
 * `normalized` is the question in normalizeText form. With `everyKind` false (a large folder, see
 * subject-coverage.ts) only the vocabulary's medical terms and places are looked for.
 */
export function questionSubjects(normalized: string, synonyms: SynonymIndex, bars: SubjectBars, everyKind = true): QuestionSubject[] {
  // Parts of speech only matter for the other kinds; plain segmentation gives the word boundaries.
  const tagged = everyKind
    ? segmenter().tag(normalized, false)
    : segmenter()
        .cut(normalized, false)
        .map((word) => ({ word, tag: "" }));
  const boundaries = new Set<number>([0]);
  const nouns: { word: string; start: number }[] = [];
  const latinNames: { word: string; start: number }[] = [];
  const unknown = new UnknownWords(bars.minWordIdf);
  let offset = 0;
  for (const { word, tag } of tagged) {
    const start = normalized.indexOf(word, offset);
    if (start < 0) continue;
    offset = start + word.length;
    boundaries.add(start).add(offset);
    unknown.next(word, tag, start);
    if (ASKING_START.test(word) || QUESTION_PHRASE.test(word)) continue;
    if (tag === "eng" && LATIN_NAME.test(word) && !UNITS.has(word)) latinNames.push({ word, start });
    else if (NOUN_TAGS.has(tag) || (VERB_TAGS.has(tag) && QUESTION_END.test(normalized.slice(offset)))) nouns.push({ word, start });
  }
  const subjects: QuestionSubject[] = [];
  const taken = new Uint8Array(normalized.length);
  const add = (word: string, kind: SubjectKind, start: number, alternatives: readonly string[], context?: string) => {
    taken.fill(1, start, start + word.length);
    const parts = kind === "named" || kind === "word" ? phraseParts(word) : undefined;
    const asked = QUESTION_END.test(normalized.slice(start + word.length));
    subjects.push({ word, kind, start, alternatives, asked, ...(parts ? { parts } : {}), ...(context ? { context } : {}) });
  };
  const isFree = (start: number, word: string) => !taken.subarray(start, start + word.length).includes(1);

  for (const match of vocabularyMatches(normalized)) {
    if (!boundaries.has(match.start) || !boundaries.has(match.start + match.word.length)) continue;
    if (match.kind === "medical" && generalWordIdf(match.word) < bars.minMedicalIdf) {
      taken.fill(1, match.start, match.start + match.word.length);
      continue;
    }
    const organ = match.kind === "medical" && LESION.test(match.word) ? organBefore(normalized, match.start, boundaries) : "";
    if (organ !== "") {
      const word = organ + match.word;
      add(word, "medical", match.start - 1, [...synonyms.alternatives(word), `${organ}部${match.word}`]);
      continue;
    }
    add(match.word, match.kind, match.start, match.kind === "place" ? placeAlternatives(match.word, synonyms) : alternativesOf(match.word, synonyms));
  }
  if (!everyKind) return subjects.sort((left, right) => left.start - right.start);
  let position = 0;
  for (const word of synonyms.wordsIn(normalized)) {
    const start = normalized.indexOf(word, position);
    position = start + word.length;
    if (!CJK_WORD.test(word) || PEOPLE.test(word) || !isFree(start, word) || generalWordIdf(word) < bars.minNamedIdf) continue;
    add(word, "named", start, synonyms.alternatives(word));
  }
  const [askedStart, askedEnd] = askedPart(normalized);
  for (const { word, start } of latinNames) if (start >= askedStart && start < askedEnd) add(word, "named", start, synonyms.alternatives(word));
  for (const { word, start } of unknown.words()) {
    if (start < askedStart || start >= askedEnd || !isFree(start, word)) continue;
    add(word, "word", start, synonyms.alternatives(word), normalized.slice(Math.max(0, start - 1), start + word.length + 1));
  }
  for (const { word, start } of nouns) {
    if (
      start < askedStart ||
      start >= askedEnd ||
      !CJK_WORD.test(word) ||
      PEOPLE.test(word) ||
      VERB_WITH_RESULT.test(word) ||
      NOT_A_NAME.test(word) ||
      normalized[start - 1] === "得" ||
      !isFree(start, word)
    )
      continue;
    const rarity = generalWordIdf(word);
    if (rarity >= bars.minNamedIdf) add(word, "named", start, boundAlternatives(word, synonyms));
    else if (rarity >= bars.minWordIdf) add(word, "word", start, boundAlternatives(word, synonyms));
  }
  return subjects.sort((left, right) => left.start - right.start);
}

/** A medical term's other spellings: its synonyms, a drug without its dosage form, a 疗法 as 治疗 (光动力疗法 → 光动力治疗). */
function alternativesOf(word: string, synonyms: SynonymIndex): readonly string[] {
  const alternatives = synonyms.alternatives(word);
  const drug = word.replace(DOSAGE_FORM, "");
  if (drug !== word && drug.length >= 2) return [...alternatives, drug];
  return word.length >= 4 && word.endsWith("疗法") ? [...alternatives, `${word.slice(0, -2)}治疗`] : alternatives;
}

/** 喝咖啡 counts as found where 咖啡 (or a synonym of it) is. */
function boundAlternatives(word: string, synonyms: SynonymIndex): readonly string[] {
  const alternatives = synonyms.alternatives(word);
  const core = word.length >= 3 && BOUND_VERB.test(word) ? word.slice(1) : "";
  return CJK_WORD.test(core) ? [...new Set([...alternatives, ...synonyms.alternatives(core)])] : alternatives;
}

/** The one-character organ right before a finding, when jieba cut it as a word of its own (肺 | 结节). */
function organBefore(normalized: string, start: number, boundaries: ReadonlySet<number>): string {
  const organ = normalized.slice(start - 1, start);
  return start >= 1 && boundaries.has(start - 1) && ORGAN_CHARACTER.test(organ) ? organ : "";
}

/** A city counts as found where its province is: a source on 吉林's 医保 answers for 长春. */
function placeAlternatives(word: string, synonyms: SynonymIndex): readonly string[] {
  const province = CITY_PROVINCE.get(word);
  const alternatives = synonyms.alternatives(word);
  return province === undefined || alternatives.includes(province) ? alternatives : [...alternatives, province];
}

/**
 * The words of a phrase of four or more characters that jieba splits into words of two or more
 * (直接结算 → 直接 结算): a folder that says 报销 and 比例 covers 报销比例 without the phrase itself.
 */
function phraseParts(word: string): readonly string[] | undefined {
  if (word.length < 4) return undefined;
  const parts = segmenter().cut(word, false);
  return parts.length >= 2 && parts.every((part) => part.length >= 2) ? parts : undefined;
}

/**
 * A word jieba does not know comes out as single characters (鼻模 → 鼻 模, 祛疤膏 → 祛 疤 膏, 备血 → 备 血):
 * a run of two or more single characters, each rare enough in general Chinese not to be a function
 * word (的, 了, 看, 要), is taken as one unknown word.
 */
class UnknownWords {
  private readonly found: { word: string; start: number }[] = [];
  private run = "";
  private runStart = 0;
  private runHasNoun = false;
  constructor(private readonly minIdf: number) {}

  next(word: string, tag: string, start: number): void {
    const content = word.length === 1 && CJK_WORD_CHARACTER.test(word) && !ASKING_START.test(word) && generalWordIdf(word) >= this.minIdf;
    if (!(content && this.run !== "" && this.runStart + this.run.length === start)) {
      this.close();
      if (!content) return;
      this.runStart = start;
    }
    this.run += word;
    this.runHasNoun ||= tag.startsWith("n");
  }

  words(): { word: string; start: number }[] {
    this.close();
    return this.found;
  }

  private close(): void {
    // A run of verbs is a verb with its result (交满, 停交), not a thing: it needs a noun.
    if (this.run.length >= 2 && this.runHasNoun) this.found.push({ word: this.run, start: this.runStart });
    this.run = "";
    this.runHasNoun = false;
  }
}

const CJK_WORD_CHARACTER = new RegExp(`^[${CJK_CHARACTERS}]$`, "u");
