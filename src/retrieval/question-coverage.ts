/**
 * Does the best source cover what the question is about? A question names its topic with its
 * rarest words (痛风, 冠心病, 退烧药). When the folder never uses such a word and the best source
 * holds only a small share of the question's word weight, the source matched on the surrounding
 * words (吃, 药, 检查) and is about something else: answering from it would be a confident answer
 * from an unrelated source. Both signals are word statistics of the folder and of general Chinese;
 * no topic list is involved.
 */
import type { KeywordIndex } from "../store/keyword-index.js";
import { generalWordIdf } from "../text/general-word-rarity.js";

const WORD_PREFIX = "w:";
/** Words that can name a topic: two or more CJK characters (numbers, dates and Latin tokens cannot). */
const TOPIC_WORD = /^[\u3400-\u9fff\uf900-\ufaff]{2,}$/;

/** The question's words the folder never uses that are rare in general Chinese (general IDF at least `minGeneralRarity`). */
export function unknownSpecificWords(queryTerms: readonly string[], keywordIndex: KeywordIndex, minGeneralRarity: number): string[] {
  const words: string[] = [];
  for (const term of new Set(queryTerms)) {
    if (!term.startsWith(WORD_PREFIX)) continue;
    const word = term.slice(WORD_PREFIX.length);
    if (!TOPIC_WORD.test(word) || keywordIndex.documentFrequency(term) > 0) continue;
    if (generalWordIdf(word) >= minGeneralRarity) words.push(word);
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
