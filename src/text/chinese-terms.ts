/**
 * Terms for matching Chinese text: jieba words and character bigrams. Words carry meaning
 * ("糖尿病"), bigrams survive segmentation mistakes and colloquial spellings; retrieval uses both.
 */
import { Jieba } from "@node-rs/jieba";
import { dict } from "@node-rs/jieba/dict.js";
import { normalizeText } from "./normalize-text.js";

let jieba: Jieba | undefined;
export function segmenter(): Jieba {
  // Loading the dictionary takes ~200 ms; do it once, on first use.
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

/** Words that say nothing about the topic of a question. */
const STOP_WORDS = new Set(
  (
    "的 了 是 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 吗 呢 吧 啊 呀 哦 嗯 和 与 及 或 也 都 就 还 又 在 有 没 没有 不 很 太 " +
    "会 能 可以 要 想 请问 请 问 一下 一个 一些 什么 怎么 怎么办 怎样 如何 为什么 哪些 多少 是否 是不是 有没有 还是 但是 因为 所以 如果 " +
    "然后 现在 目前 最近 已经 一直 自己 这样 那样 这种 那种 这些 那些 上 下 中 里 对 给 让 被 把 从 到 为 以 及其 等 之 其 而 " +
    "医生 大夫 你好 您好 谢谢 感谢 麻烦 帮忙 帮 看看 知道 问题 情况 时候 东西 比较 一点 有点 应该 需要 可能 大概 好 吗？"
  ).split(" "),
);

/** True for a UTF-16 code unit in CJK_CHARACTERS (kept in step with it). */
export function isCjkCodeUnit(code: number): boolean {
  return (code >= 0x3400 && code <= 0x9fff) || (code >= 0xf900 && code <= 0xfaff);
}

/** The CJK ideograph ranges (a character class body) every Chinese-text pattern of the project uses. */
export const CJK_CHARACTERS = "\\u3400-\\u9fff\\uf900-\\ufaff";

const CJK_RUN = new RegExp(`[${CJK_CHARACTERS}]+`, "g");
const WORD_CHARACTERS = /[\p{L}\p{N}]/u;

/** jieba words of normalized text, without stop words and punctuation. */
export function wordTerms(normalized: string): string[] {
  return segmenter()
    .cut(normalized, false)
    .filter((word) => WORD_CHARACTERS.test(word) && !STOP_WORDS.has(word) && word.trim() !== "");
}

/** Character bigrams of every CJK run (a lone character counts as itself) and whole Latin/digit tokens. */
export function bigramTerms(normalized: string): string[] {
  return [...cjkBigrams(normalized), ...latinTokens(normalized)];
}

function cjkBigrams(normalized: string): string[] {
  const terms: string[] = [];
  for (const match of normalized.matchAll(CJK_RUN)) {
    const run = match[0];
    if (run.length === 1) terms.push(run);
    for (let index = 0; index + 1 < run.length; index++) terms.push(run.slice(index, index + 2));
  }
  return terms;
}

/** Whole Latin/digit tokens of normalized text. */
export function latinTokens(normalized: string): string[] {
  return Array.from(normalized.matchAll(/[a-z0-9]+(?:[.-][a-z0-9]+)*/g), (match) => match[0]);
}

/** The three kinds of term of one text, in the order mixedTerms lists them. */
export interface TermParts {
  /** jieba words, prefixed `w:`. */
  words: string[];
  cjkBigrams: string[];
  latinTokens: string[];
}

export function termParts(text: string): TermParts {
  const normalized = normalizeText(text);
  return { words: wordTerms(normalized).map((word) => `w:${word}`), cjkBigrams: cjkBigrams(normalized), latinTokens: latinTokens(normalized) };
}

/**
 * The terms of texts joined by a line break, from each text's parts: mixedTerms(`${a}\n${b}`)
 * equals joinTermParts(termParts(a), termParts(b)). A line break ends every term: normalizing
 * neither composes nor converts across it, jieba segments each side of it apart, and it is in no
 * CJK run or Latin token. So a chunk's terms can be put together from its title's and its body's.
 */
export function joinTermParts(...parts: TermParts[]): string[] {
  return [...parts.flatMap((part) => part.words), ...parts.flatMap((part) => part.cjkBigrams), ...parts.flatMap((part) => part.latinTokens)];
}

/** Both kinds, prefixed so a word and a bigram with the same characters stay distinct features. */
export function mixedTerms(text: string): string[] {
  return joinTermParts(termParts(text));
}
