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
/**
 * The words a question asks with (多久, 什么, 怎么, 能不能) say nothing of its domain, and an FAQ
 * folder is full of them: in a folder of dozen rows "多久" alone made "汽车保养多久一次" look in domain.
 */
const ASKING_WORD = /^(?:多久|多少|多长|多大|几|什么|怎么|怎样|咋|啥|哪|为什么|为啥|如何|是否|有没有|能不能|可不可以|要不要|会不会)/u;
/**
 * A dozen sources say little of how common a word is in their domain: one mention in 14 rows made
 * 周末 and 卡 look specific. Ten more sources that lack the word are assumed, which changes nothing
 * for a folder of thousands.
 */
const PRIOR_DOCUMENTS = 10;

/** The highest log-ratio among the question's words, floored at 0 (also when none occurs in the folder). */
export function domainSpecificity(queryTerms: string[], keywordIndex: KeywordIndex): number {
  const documents = keywordIndex.size;
  if (documents === 0) return 0;
  // In a large folder a word seen once may be noise; in a small one it is all there is.
  const minimumFrequency = documents >= 200 ? 2 : 1;
  let best = 0;
  for (const term of new Set(queryTerms)) {
    if (!term.startsWith(WORD_PREFIX) || ASKING_WORD.test(term.slice(WORD_PREFIX.length))) continue;
    if (keywordIndex.documentFrequency(term) < minimumFrequency) continue;
    const ratio = termSpecificity(keywordIndex, term, term.slice(WORD_PREFIX.length), PRIOR_DOCUMENTS)!;
    if (ratio > best) best = ratio;
  }
  return best;
}

/**
 * log(P_folder(term) / P_general(text)) for one keyword-index term and the text it stands for;
 * undefined when the folder never uses the term. Follow-up resolution weighs words the same way
 * (without the prior: its shares of the topic word's weight were chosen on these values).
 */
export function termSpecificity(keywordIndex: KeywordIndex, term: string, text: string, priorDocuments = 0): number | undefined {
  const frequency = keywordIndex.documentFrequency(term);
  if (frequency === 0 || keywordIndex.size === 0) return undefined;
  // generalWordIdf is -log P_general(word); so this is log P_folder - log P_general.
  return Math.log(frequency / (keywordIndex.size + priorDocuments)) + generalWordIdf(text);
}
