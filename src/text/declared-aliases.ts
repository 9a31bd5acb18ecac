/**
 * Names a folder itself declares for one thing: "长期护理保险（简称长护险）", "唇裂是……先天畸形，俗称
 * “兔唇”", "光化性角化病又称日光性角化病、老年角化病". People ask with the short or everyday name the
 * folder mentions once (兔唇) while every other row uses the formal one (唇裂); as a synonym group the
 * two count as one word, so the question is searched and its subject found under either name.
 */

import { normalizeText } from "./normalize-text.js";

/** Bounds: a folder is untrusted text; a huge one must not make a huge synonym list. */
export const DECLARED_ALIAS_LIMITS = { maxGroups: 2_000, maxNameCharacters: 10 } as const;

const NAMING = "(?:简称|俗称|又称|又叫|也叫|也称|亦称|通称|俗名|别名)(?:之为|为|作|做)?[：:]?";
/** One name: quoted, or a run of 2–8 characters that ends where the text stops naming ("，", "）", "、"). */
const NAME = '(?:[“"「『]([^”"」』]{2,10})[”"」』]|([\\p{Script=Han}A-Za-z0-9]{2,8})(?![\\p{Script=Han}A-Za-z0-9]))';
/** More names after the first: 、或 … */
const MORE_NAMES = '((?:[、/或](?:[“"「『][^”"」』]{2,10}[”"」』]|[\\p{Script=Han}A-Za-z0-9]{2,8}(?![\\p{Script=Han}A-Za-z0-9])))*)';
/** Where a clause starts. */
const CLAUSE_START = "(?:^|[。！？!?\\n，,；;：:、（(])";

/** "X（简称Y）": the thing named is what stands right before the bracket. */
const BRACKETED = new RegExp(`([\\p{Script=Han}A-Za-z0-9]{2,})[（(](?:${NAMING}|即)${NAME}${MORE_NAMES}[）)]`, "gu");
/** "X又称Y、Z" at the start of a clause. */
const FOLLOWING = new RegExp(`${CLAUSE_START}([\\p{Script=Han}A-Za-z0-9]{2,10})${NAMING}${NAME}${MORE_NAMES}`, "gu");
/** "X是……，俗称Y": the sentence's subject is the thing named. */
const SENTENCE_SUBJECT = new RegExp(
  `(?:^|[。！？!?\\n])\\s*([\\p{Script=Han}A-Za-z0-9]{2,10}?)(?:是|为|指)[^。！？!?\\n]*?[，,；;]${NAMING}${NAME}${MORE_NAMES}`,
  "gu",
);

/**
 * Every naming word above holds one of these characters, in simplified or traditional form (簡稱):
 * the few texts that do are the only ones normalised and searched, which keeps loading a large
 * folder cheap (medqa: 529 of 7,244 chunks, 20 ms instead of 215).
 */
const MAY_NAME = /[称稱叫名即]/u;

/** Words a name never ends on: what comes before the thing in running text ("本市推行的长期护理保险"). */
const LEADING_WORDS = /^.*(?:的|是|为|和|与|及|或|对|在|把|了|有|包括|称为|叫做)/u;

/** Synonym groups (names in the order found, normalizeText form) declared in `texts` (a folder's chunks as stored). */
export function declaredAliases(texts: Iterable<string>): string[][] {
  const groups = new Map<string, string[]>();
  const add = (thing: string, names: string[]) => {
    const cleaned = thing.replace(LEADING_WORDS, "").slice(-DECLARED_ALIAS_LIMITS.maxNameCharacters);
    const words = [...new Set([cleaned, ...names].filter((word) => [...word].length >= 2))];
    if (words.length < 2 || groups.size >= DECLARED_ALIAS_LIMITS.maxGroups) return;
    groups.set(words.join("/"), words);
  };
  const namesOf = (quoted: string | undefined, plain: string | undefined, more: string | undefined) => [
    quoted ?? plain ?? "",
    ...(more ?? "")
      .split(/[、/或和]/u)
      .map((name) => name.replace(/[“”"'「」『』]/gu, ""))
      .filter(Boolean),
  ];
  for (const stored of texts) {
    if (groups.size >= DECLARED_ALIAS_LIMITS.maxGroups) break;
    if (!MAY_NAME.test(stored)) continue;
    const text = normalizeText(stored);
    for (const pattern of [BRACKETED, FOLLOWING, SENTENCE_SUBJECT])
      for (const match of text.matchAll(pattern)) add(match[1], namesOf(match[2], match[3], match[4]));
  }
  return [...groups.values()];
}
