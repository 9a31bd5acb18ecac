/**
 * Is a word the folder has never seen part of the folder's vocabulary in general Chinese? When a
 * folder lacks a topic entirely, it lacks the characters that only that topic uses too (a folder
 * without 癫痫 or 感冒 has almost no 痫 or 冒), so character-specificity.ts scores such a word like
 * an everyday one. The words general Chinese builds from it still tell what it is: jieba's
 * dictionary forms 感冒药, 风寒感冒 and 流行性感冒 from 感冒, and 癫痫病 and 小儿癫痫 from 癫痫, and
 * what those compounds add (药, 风寒, 流行性, 病, 小儿) is the folder's; the compounds of a
 * narrative word (学生 → 小学生, 学生会; 老家 → 老家伙) add everyday characters. The score is the
 * mean character specificity of what each compound adds, weighted by log(1 + dictionary count).
 * Only compounds that begin or end with the word count: on medqa the ones holding it inside
 * changed no decision, and these two are found by binary search in two sorted arrays.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { KeywordIndex } from "../store/keyword-index.js";
import { firstAtLeast } from "../text/sorted-strings.js";
import { characterSpecificity, isCjk } from "./character-specificity.js";

interface Compounds {
  /** Dictionary words of 3 to 8 CJK characters, in the dictionary's order (sorted by code unit). */
  words: string[];
  /** log(1 + dictionary count), by position in `words`. */
  weights: Float64Array;
  /** The same words reversed, sorted, so the words ending with a word are one range too. */
  reversed: string[];
}

let compounds: Compounds | undefined;

/**
 * Read once from the dictionary jieba ships (dict.txt: "word count tag" lines, sorted by word),
 * with a hand loop rather than split and a regular expression: it is 350,000 lines, and this is
 * the first question's wait.
 */
function loadCompounds(): Compounds {
  if (compounds) return compounds;
  const require = createRequire(import.meta.url);
  const text = readFileSync(path.join(path.dirname(require.resolve("@node-rs/jieba/package.json")), "dict.txt"), "utf8");
  const words: string[] = [];
  const weightList: number[] = [];
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const space = text.indexOf(" ", start);
    const wordEnd = space >= 0 && space < end ? space : end;
    const length = wordEnd - start;
    let cjk = length >= 3 && length <= 8;
    for (let position = start; cjk && position < wordEnd; position++) cjk = isCjk(text.charCodeAt(position));
    if (cjk) {
      words.push(text.slice(start, wordEnd));
      weightList.push(Math.log(1 + (Number.parseInt(text.slice(wordEnd + 1, end), 10) || 0)));
    }
    start = end + 1;
  }
  compounds = { words, weights: Float64Array.from(weightList), reversed: words.map(reverse).sort() };
  return compounds;
}

/** Loads the dictionary table now, so that the first question that needs it does not wait for it. */
export function preloadCompounds(): void {
  loadCompounds();
}

function reverse(word: string): string {
  let result = "";
  for (let position = word.length - 1; position >= 0; position--) result += word[position];
  return result;
}

/** Positions of the sorted words that start with `prefix` (longer than it). */
function* startingWith(sorted: readonly string[], prefix: string): Generator<number> {
  for (let position = firstAtLeast(sorted, prefix); position < sorted.length && sorted[position].startsWith(prefix); position++)
    if (sorted[position].length > prefix.length) yield position;
}

/**
 * Weighted mean character specificity of what the dictionary's compounds of `word` add to it;
 * undefined when the dictionary has no compound beginning or ending with it.
 */
export function compoundSpecificity(word: string, keywordIndex: KeywordIndex): number | undefined {
  const { words, weights, reversed } = loadCompounds();
  let sum = 0;
  let weight = 0;
  const add = (position: number, added: string) => {
    sum += weights[position] * characterSpecificity(added, keywordIndex);
    weight += weights[position];
  };
  for (const position of startingWith(words, word)) add(position, words[position].slice(word.length));
  for (const reversedPosition of startingWith(reversed, reverse(word))) {
    const compound = reverse(reversed[reversedPosition]);
    // A compound that both begins and ends with the word was counted once already.
    if (!compound.startsWith(word)) add(firstAtLeast(words, compound), compound.slice(0, compound.length - word.length));
  }
  return weight === 0 ? undefined : sum / weight;
}
