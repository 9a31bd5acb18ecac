/**
 * Does the best source cover what the question is about? A question names its topic with words
 * such as 痛风, 冠心病 or 退烧药. When the folder never uses such a word, no source is about it, and
 * a best source that holds only a small share of the question's word weight matched on the
 * surrounding words (吃, 药, 检查, 高血压): answering from it would be a confident answer from an
 * unrelated source. A word the folder lacks counts as the topic when it is built from the folder's
 * own characters (character-specificity.ts) and the question asks about it (asked-about.ts); the
 * narrative words a folder lacks (老爸, 前年, 退居二线) usually fail one of the two. All signals are
 * word and character statistics of the folder and of general Chinese; no topic list is involved.
 */
import type { KeywordIndex } from "../store/keyword-index.js";
import { normalizeText } from "../text/normalize-text.js";
import { isAskedAbout } from "./asked-about.js";
import { characterSpecificity } from "./character-specificity.js";

const WORD_PREFIX = "w:";
/** Words that can name a topic: two or more CJK characters (numbers, dates and Latin tokens cannot). */
const TOPIC_WORD = /^[\u3400-\u9fff\uf900-\ufaff]{2,}$/;

/**
 * The question's words the folder never uses that look like its topic: their characters are more
 * typical of the folder than of general Chinese by more than `minCharacterSpecificity`, and the
 * question asks about them.
 */
export function unknownTopicWords(question: string, queryTerms: readonly string[], keywordIndex: KeywordIndex, minCharacterSpecificity: number): string[] {
  const words: string[] = [];
  let text: string | undefined;
  for (const term of new Set(queryTerms)) {
    if (!term.startsWith(WORD_PREFIX)) continue;
    const word = term.slice(WORD_PREFIX.length);
    if (!TOPIC_WORD.test(word) || keywordIndex.documentFrequency(term) > 0) continue;
    if (characterSpecificity(word, keywordIndex) <= minCharacterSpecificity) continue;
    text ??= normalizeText(question);
    if (isAskedAbout(word, text)) words.push(word);
  }
  return words;
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
