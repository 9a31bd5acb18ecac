/**
 * How rare a word is in general Chinese: the IDF table jieba ships (idf.txt, from a large general
 * corpus). Compared with a word's frequency in the knowledge folder it tells whether a question
 * uses the folder's own vocabulary (血压, 乙肝, 医保) or only everyday words (天气, 电影).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

let table: { idf: Map<string, number>; unknownWordIdf: number } | undefined;

function load(): { idf: Map<string, number>; unknownWordIdf: number } {
  if (table) return table;
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve("@node-rs/jieba/package.json")), "idf.txt");
  const idf = new Map<string, number>();
  let highest = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const space = line.lastIndexOf(" ");
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    idf.set(line.slice(0, space), value);
    if (value > highest) highest = value;
  }
  // A word the general table does not know is at least as rare as its rarest entry.
  table = { idf, unknownWordIdf: highest };
  return table;
}

/** Loads the table now, so that the first question does not wait for it. */
export function preloadGeneralWordIdf(): void {
  load();
}

/** General-corpus IDF of a word (natural log); higher means rarer in everyday text. */
export function generalWordIdf(word: string): number {
  const { idf, unknownWordIdf } = load();
  return idf.get(word) ?? unknownWordIdf;
}
