/**
 * Is a question about what the knowledge folder covers? For each word of the question, compare
 * how often it occurs in the folder with how often it occurs in general Chinese:
 * log(P_folder(word) / P_general(word)). A question is in the folder's domain when at least one
 * of its words is much more common in the folder than in everyday text. Off-topic questions
 * ("今天天气怎么样") share only everyday words with a medical folder, so they score low, however
 * many of those words happen to match. Nothing is trained: both sides are word frequencies.
 */
import type { KeywordIndex } from "../store/keyword-index.js";
import { generalWordIdf } from "../text/general-word-rarity.js";

const WORD_PREFIX = "w:";

/** The highest log-ratio among the question's words, floored at 0 (also when none occurs in the folder). */
export function domainSpecificity(queryTerms: string[], keywordIndex: KeywordIndex): number {
  const documents = keywordIndex.size;
  if (documents === 0) return 0;
  // In a large folder a word seen once may be noise; in a small one it is all there is.
  const minimumFrequency = documents >= 200 ? 2 : 1;
  let best = 0;
  for (const term of new Set(queryTerms)) {
    if (!term.startsWith(WORD_PREFIX)) continue;
    if (keywordIndex.documentFrequency(term) < minimumFrequency) continue;
    const ratio = termSpecificity(keywordIndex, term, term.slice(WORD_PREFIX.length))!;
    if (ratio > best) best = ratio;
  }
  return best;
}

/**
 * log(P_folder(term) / P_general(text)) for one keyword-index term and the text it stands for;
 * undefined when the folder never uses the term. Follow-up resolution weighs words the same way.
 */
export function termSpecificity(keywordIndex: KeywordIndex, term: string, text: string): number | undefined {
  const frequency = keywordIndex.documentFrequency(term);
  if (frequency === 0 || keywordIndex.size === 0) return undefined;
  // generalWordIdf is -log P_general(word); so this is log P_folder - log P_general.
  return Math.log(frequency / keywordIndex.size) + generalWordIdf(text);
}
