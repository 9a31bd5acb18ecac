/**
 * Turns a follow-up ("那吉林呢？", "有什么副作用") into the standalone question a reader would
 * understand, from the earlier turns, before retrieval. Nothing here lists words: it reads the
 * index's own statistics and jieba's part-of-speech tags.
 *
 * - A word's weight is its domain specificity (see retrieval/domain-specificity.ts): how much more
 *   common it is in the folder than in general Chinese. Words the folder never uses weigh nothing,
 *   so an off-topic follow-up ("明天会下雨吗") has nothing to join and is left alone.
 * - The earlier question's topic is its heaviest naming words (nouns, names, places, unknown
 *   compounds such as 农保卡) and the naming words right beside them.
 * - A message made only of naming words and particles ("那吉林呢？") asks the earlier question about
 *   them: each replaces the earlier word of the same kind (a place replaces a place, another name
 *   the name of closest weight).
 * - A message with a predicate of its own joins the earlier topic ("有什么副作用" → "阿莫西林有什么
 *   副作用") unless it names a topic about as heavy as the earlier one, or names the earlier topic
 *   itself: then it stands alone and history does not touch it.
 */
import type { ConversationTurn } from "../core/types.js";
import { cleanQuery } from "./clean-query.js";
import { termSpecificity } from "./domain-specificity.js";
import type { KeywordIndex } from "../store/keyword-index.js";
import { segmenter } from "../text/chinese-terms.js";
import { normalizeText } from "../text/normalize-text.js";
import { isChitChatMessage } from "./chit-chat.js";

export interface FollowUpResolution {
  /** What retrieval runs on: the rewritten question, or the message itself. */
  question: string;
  rewritten: boolean;
  /**
   * The follow-up's own words, heaviest first: an answer to a rewritten question must contain the
   * first of them, or the rewrite did not find what the user asked about. Empty when not rewritten.
   */
  focusWords: string[];
}

/** A message names its own topic when its heaviest naming word weighs at least this share of the earlier topic's. */
export const STANDALONE_TOPIC_SHARE = 0.8;
/**
 * ... or at least this domain specificity, whatever the earlier topic weighed: a word e^5 ≈ 150 times
 * more common in the folder than in general text names a subject (乙肝, 五指山); aspects every
 * source talks about (副作用, 小孩, 检查) stay below it. Retrieval's own "in the domain" floor is 4.
 */
export const MIN_TOPIC_SPECIFICITY = 5;
/** History may come from an API caller: only this much of the earlier question is read. */
const MAX_EARLIER_QUESTION_CHARS = 1_000;
/** Naming words this close to the heaviest one are all named when the topic is carried into a follow-up. */
const TOPIC_PHRASE_SHARE = 0.8;
/** Naming words of the earlier question at least this share of its heaviest one belong to its topic. */
const TOPIC_WORD_SHARE = 0.5;

/** jieba tags of naming words: nouns, names, places, organisations, abbreviations, verbal nouns, unknown compounds, Latin words. */
const NAMING_TAG = /^(n|nr|nrt|nrfg|ns|nt|nz|nw|ng|j|vn|an|s|eng|x)$/;
/** Tags of words that carry a predicate of their own: verbs and adjectives. */
const PREDICATE_TAG = /^(v|vd|vi|a|ad|ag|i|l)$/;
/** Modal and structural particles and interjections (呢, 吧, 的, 啊). */
const PARTICLE_TAG = /^(y|u|uj|ul|uz|ug|uv|ud|e|o)$/;
const WORD_CHARACTERS = /[\p{L}\p{N}]/u;
const CJK_WORD = /^[\u3400-\u9fff\uf900-\ufaff]{2,}$/;

interface TaggedWord {
  word: string;
  tag: string;
  /** Domain specificity in this folder; undefined when the folder never uses the word. */
  weight: number | undefined;
}

export function resolveFollowUp(keywordIndex: KeywordIndex, message: string, history: readonly ConversationTurn[]): FollowUpResolution {
  const alone: FollowUpResolution = { question: message, rewritten: false, focusWords: [] };
  const earlier = [...history].reverse().find((turn) => turn.citedSourceIds.length > 0);
  // "hello" after a question is not about it: joined to its topic it became "hello丢了怎么补办".
  if (!earlier || keywordIndex.size === 0 || isChitChatMessage(message)) return alone;
  const cleaned = cleanQuery(message);
  const words = tagWords(keywordIndex, cleaned);
  const known = words.filter((word) => word.weight !== undefined);
  // Nothing of the message is in the folder and nothing points back: it stays as it is (off-topic stays off-topic).
  if (known.length === 0 && !startsWithReference(words)) return alone;

  const earlierWords = tagWords(keywordIndex, cleanQuery(earlier.resolvedQuestion.slice(0, MAX_EARLIER_QUESTION_CHARS)));
  const earlierNaming = earlierWords.filter((word) => word.weight !== undefined && NAMING_TAG.test(word.tag));
  if (earlierNaming.length === 0) return alone;
  const earlierTopicWeight = Math.max(...earlierNaming.map((word) => word.weight!));
  const topicWords = new Set(earlierNaming.filter((word) => word.weight! >= TOPIC_WORD_SHARE * earlierTopicWeight).map((word) => word.word));
  // The message names the earlier topic itself: it is complete as it stands.
  if (known.some((word) => topicWords.has(word.word))) return alone;

  const naming = known.filter((word) => NAMING_TAG.test(word.tag)).sort(byWeight);
  const knownPredicates = known.filter((word) => PREDICATE_TAG.test(word.tag)).sort(byWeight);
  // Words the folder does not use still say what the user asks about (门票): an answer without them misses it.
  const unknownContent = words.filter(
    (word) => word.weight === undefined && word.word.length > 1 && NAMING_TAG.test(word.tag) && WORD_CHARACTERS.test(word.word),
  );
  // A word the folder never uses comes first: no source can be about it, so the rewrite must not answer.
  const focusWords = [...unknownContent, ...[...naming, ...knownPredicates].sort(byWeight)].map((word) => word.word);

  // Only names, a pointing word and particles ("那吉林呢？"): the earlier question, asked about them.
  const elliptical = words.every((word) => !WORD_CHARACTERS.test(word.word) || NAMING_TAG.test(word.tag) || isReference(word) || PARTICLE_TAG.test(word.tag));
  const substituted = naming.length > 0 && elliptical ? substitute(earlierWords, naming, earlierTopicWeight) : undefined;
  if (substituted !== undefined) return { question: substituted, rewritten: true, focusWords };
  const ownTopicWeight = naming.length > 0 ? naming[0].weight! : 0;
  if (ownTopicWeight >= Math.min(STANDALONE_TOPIC_SHARE * earlierTopicWeight, MIN_TOPIC_SPECIFICITY)) return alone;
  const topic = topicPhrase(earlierWords, earlierTopicWeight);
  return { question: `${topic}${withoutLeadingReference(words)}`, rewritten: true, focusWords };
}

const byWeight = (left: TaggedWord, right: TaggedWord) => right.weight! - left.weight!;

function tagWords(keywordIndex: KeywordIndex, text: string): TaggedWord[] {
  return segmenter()
    .tag(normalizeText(text), true)
    .map(({ word, tag }) => ({ word, tag, weight: WORD_CHARACTERS.test(word) ? wordWeight(keywordIndex, word) : undefined }));
}

/**
 * log(P_folder / P_general) of a word, as domain specificity computes it. A word jieba cuts
 * differently in the folder (吉林 inside 吉林省) is found through its character bigrams.
 */
function wordWeight(keywordIndex: KeywordIndex, word: string): number | undefined {
  const asWord = termSpecificity(keywordIndex, `w:${word}`, word);
  if (asWord !== undefined || !CJK_WORD.test(word)) return asWord;
  // As specific as its most common bigram: every bigram must occur, or the folder does not use the word.
  let weakest = Infinity;
  for (let index = 0; index + 1 < word.length; index++) {
    const bigram = word.slice(index, index + 2);
    const weight = termSpecificity(keywordIndex, bigram, bigram);
    if (weight === undefined) return undefined;
    weakest = Math.min(weakest, weight);
  }
  return weakest;
}

/** Words of a kind that replace each other: places, unknown compounds (jieba's x), and other naming words. */
const kindOf = (tag: string) => (tag === "ns" ? "place" : tag === "x" ? "compound" : "name");

/**
 * The earlier question with each new naming word in place of the earlier topic word of its kind and
 * closest weight; undefined when none replaces anything (the message then joins the topic instead).
 */
function substitute(earlierWords: TaggedWord[], replacements: TaggedWord[], earlierTopicWeight: number): string | undefined {
  const parts = earlierWords.map((word) => word.word);
  const replaced = new Set<number>();
  const appended: string[] = [];
  for (const replacement of replacements) {
    let best = -1;
    for (const [position, word] of earlierWords.entries()) {
      if (replaced.has(position) || word.weight === undefined || !NAMING_TAG.test(word.tag) || kindOf(word.tag) !== kindOf(replacement.tag)) continue;
      // Only a word of the earlier topic is replaced, never a passing detail of the question.
      if (word.weight < TOPIC_WORD_SHARE * earlierTopicWeight) continue;
      // A place replaces a place; another name only a name of comparable weight (a disease another disease, not an aspect).
      if (kindOf(word.tag) === "name" && replacement.weight! < TOPIC_WORD_SHARE * word.weight) continue;
      const distance = Math.abs(word.weight - replacement.weight!);
      if (best < 0 || distance < Math.abs(earlierWords[best].weight! - replacement.weight!)) best = position;
    }
    if (best < 0) {
      // A place the earlier question did not name still qualifies it ("那福建呢？" after a question about 共济).
      if (kindOf(replacement.tag) === "place") appended.push(replacement.word);
      continue;
    }
    replaced.add(best);
    parts[best] = keepAdministrativeSuffix(earlierWords[best].word, replacement.word);
  }
  return replaced.size === 0 && appended.length === 0 ? undefined : `${appended.join("")}${parts.join("")}`.trim();
}

/** "江苏省" replaced by "吉林" reads "吉林省": the unit the earlier question named stays. */
function keepAdministrativeSuffix(previous: string, next: string): string {
  const suffix = previous.at(-1)!;
  return "省市县区".includes(suffix) && !"省市县区".includes(next.at(-1)!) ? `${next}${suffix}` : next;
}

/**
 * The earlier question's heaviest naming words (within TOPIC_PHRASE_SHARE of the heaviest) with the
 * naming words directly beside them, in its order ("江苏省内农保卡", "医保亲情账户", "糖尿病胰岛素").
 */
function topicPhrase(earlierWords: TaggedWord[], earlierTopicWeight: number): string {
  const seen = new Set<string>();
  const inPhrase = earlierWords.map((word) => {
    const heavy = word.weight !== undefined && NAMING_TAG.test(word.tag) && word.weight >= TOPIC_PHRASE_SHARE * earlierTopicWeight && !seen.has(word.word);
    if (heavy) seen.add(word.word);
    return heavy;
  });
  for (let changed = true; changed;) {
    changed = false;
    for (const [position, word] of earlierWords.entries()) {
      if (inPhrase[position] || !NAMING_TAG.test(word.tag) || !WORD_CHARACTERS.test(word.word)) continue;
      if (inPhrase[position - 1] || inPhrase[position + 1]) changed = inPhrase[position] = true;
    }
  }
  return earlierWords
    .filter((_, position) => inPhrase[position])
    .map((word) => word.word)
    .join("");
}

/**
 * The follow-up without what only pointed back: a leading one-character pronoun or conjunction
 * (它, 那, 这), whose place the earlier topic now takes. Longer ones (怎么, 什么) ask something and stay.
 */
function withoutLeadingReference(words: TaggedWord[]): string {
  let start = 0;
  while (start < words.length && (!WORD_CHARACTERS.test(words[start].word) || isReference(words[start]))) start++;
  return words
    .slice(start)
    .map((word) => word.word)
    .join("");
}

const isReference = (word: TaggedWord) => /^(r|c)$/.test(word.tag) && word.word.length === 1;

function startsWithReference(words: TaggedWord[]): boolean {
  const first = words.find((word) => WORD_CHARACTERS.test(word.word));
  return first !== undefined && isReference(first);
}
