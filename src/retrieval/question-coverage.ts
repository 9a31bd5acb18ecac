/**
 * Does the best source cover what the question is about? A question names its topic with words
 * such as 痛风, 冠心病 or 退烧药. When the folder never uses such a word, no source is about it, and
 * a best source that holds only a small share of the question's word weight matched on the
 * surrounding words (吃, 药, 检查, 高血压): answering from it would be a confident answer from an
 * unrelated source. A word the folder lacks counts as the topic when it is built from the folder's
 * own characters (character-specificity.ts) or general Chinese builds folder words from it
 * (compound-specificity.ts), and the question asks about it (asked-about.ts); the narrative words
 * a folder lacks (老爸, 前年, 退居二线) usually fail one of the two. All signals are word and
 * character statistics of the folder and of general Chinese; no topic list is involved.
 */
import type { KeywordIndex } from "../store/keyword-index.js";
import { normalizeText } from "../text/normalize-text.js";
import { isAskedAbout } from "./asked-about.js";
import { characterSpecificities, folderScaledBar } from "./character-specificity.js";
import { compoundSpecificity } from "./compound-specificity.js";
import { termSpecificity } from "./domain-specificity.js";

const WORD_PREFIX = "w:";
/** Words that can name a topic: two or more CJK characters (numbers, dates and Latin tokens cannot). */
const TOPIC_WORD = /^[\u3400-\u9fff\uf900-\ufaff]{2,}$/;

/** How much more typical of the folder than of general Chinese a word must be, by each signal (log ratios). */
export interface TopicWordThresholds {
  /** Its characters on average (character-specificity.ts). */
  minCharacterSpecificity: number;
  /** Its most folder-typical character. */
  minStrongestCharacterSpecificity: number;
  /** The characters its dictionary compounds add (compound-specificity.ts). */
  minCompoundSpecificity: number;
}

/**
 * The question's words the folder never uses that look like its topic: they pass `asked` (any one
 * signal above its threshold, see folderScaledBar) and the question asks about them, or they pass
 * the stricter `unasked` and need not be asked about. "做了胃镜说胃炎，平时要注意什么" never asks
 * about 胃炎 in a way asked-about.ts recognises, yet it is what the question is about; narrative
 * words whose characters are a little more common in the folder than in general Chinese (此次,
 * 先生) stay below even the first bar.
 */
export function unknownTopicWords(
  question: string,
  queryTerms: readonly string[],
  keywordIndex: KeywordIndex,
  thresholds: { asked: TopicWordThresholds; unasked: TopicWordThresholds },
): string[] {
  const words: string[] = [];
  let text: string | undefined;
  // The bars for this folder, scaled once per question and only when a word needs them.
  let bars: { asked: TopicWordThresholds; unasked: TopicWordThresholds } | undefined;
  for (const term of new Set(queryTerms)) {
    if (!term.startsWith(WORD_PREFIX)) continue;
    const word = term.slice(WORD_PREFIX.length);
    if (!TOPIC_WORD.test(word) || keywordIndex.documentFrequency(term) > 0) continue;
    bars ??= { asked: scaledToFolder(thresholds.asked, keywordIndex), unasked: scaledToFolder(thresholds.unasked, keywordIndex) };
    const characters = characterSpecificities(word, keywordIndex);
    let compounds: number | undefined | null = null;
    // Computed at most once, and only when the character signals do not decide.
    const compoundsOf = () => (compounds === null ? (compounds = compoundSpecificity(word, keywordIndex)) : compounds);
    const passes = (bar: TopicWordThresholds) =>
      characters.mean > bar.minCharacterSpecificity ||
      characters.strongest > bar.minStrongestCharacterSpecificity ||
      (compoundsOf() ?? -Infinity) > bar.minCompoundSpecificity;
    if (!passes(bars.asked)) continue;
    if (passes(bars.unasked)) {
      words.push(word);
      continue;
    }
    text ??= normalizeText(question);
    if (isAskedAbout(word, text)) words.push(word);
  }
  return words;
}

const scaledToFolder = (bar: TopicWordThresholds, keywordIndex: KeywordIndex): TopicWordThresholds => ({
  minCharacterSpecificity: folderScaledBar(bar.minCharacterSpecificity, keywordIndex),
  minStrongestCharacterSpecificity: folderScaledBar(bar.minStrongestCharacterSpecificity, keywordIndex),
  minCompoundSpecificity: folderScaledBar(bar.minCompoundSpecificity, keywordIndex),
});

const occurrences = (text: string, word: string) => text.split(word).length - 1;

/** `text` is in normal form (normalizeText). */
const namesAnyTwice = (text: string, words: readonly string[]) => words.some((word) => occurrences(text, word) >= 2);

/**
 * Does the question name one of its topic words twice? Then that word is what it is about, and a
 * best source without it is not about it however much of the story it shares: "奶奶检查出高血压
 * …高血压可以吃味精吗" matched a 奶奶…肝硬化 source on 31 % of its word weight.
 */
export function namesTopicWordTwice(question: string, topicWords: readonly string[]): boolean {
  return topicWords.length > 0 && namesAnyTwice(normalizeText(question), topicWords);
}

/**
 * Does the question name, more often than any of its topic words, a folder word as specific as a
 * domain word (termSpecificity ≥ `minSpecificity`) that the best source's title holds? "哪些医院
 * 治疗癫痫？…专程从外地回去…癫痫病去哪里看的好" is about 癫痫, which the best source is about;
 * 专程 is the story. A topic word named twice is what the question is about, and is never outweighed.
 */
export function restatesCoveredTopic(
  question: string,
  queryTerms: readonly string[],
  topicWords: readonly string[],
  bestTitle: string,
  keywordIndex: KeywordIndex,
  minSpecificity: number,
): boolean {
  const text = normalizeText(question);
  if (namesAnyTwice(text, topicWords)) return false;
  // As text, not terms: the title's 癫痫病 holds the question's 癫痫 however jieba splits either.
  const title = normalizeText(bestTitle);
  for (const term of new Set(queryTerms)) {
    if (!term.startsWith(WORD_PREFIX)) continue;
    const word = term.slice(WORD_PREFIX.length);
    if (!TOPIC_WORD.test(word) || !title.includes(word) || occurrences(text, word) < 2) continue;
    if ((termSpecificity(keywordIndex, term, word) ?? -Infinity) >= minSpecificity) return true;
  }
  return false;
}

/** Share of the question's word IDF mass (folder IDF; an unknown word weighs most) present in the source's terms. */
export function questionWordCoverage(queryTerms: readonly string[], sourceTerms: ReadonlySet<string>, keywordIndex: KeywordIndex): number {
  let total = 0;
  let covered = 0;
  for (const term of new Set(queryTerms)) {
    // Numbers and Latin tokens (ages, dates, "ct") say nothing of the topic.
    if (!term.startsWith(WORD_PREFIX) || /[0-9a-z]/.test(term.slice(WORD_PREFIX.length))) continue;
    const weight = keywordIndex.idf(term);
    total += weight;
    if (sourceTerms.has(term)) covered += weight;
  }
  return total === 0 ? 1 : covered / total;
}
