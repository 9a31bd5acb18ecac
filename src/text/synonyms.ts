/**
 * Synonym groups: lay and formal words for one thing (发烧 / 发热, 停掉 / 停止 / 停保). Retrieval
 * searches a question with its synonyms' terms too, and the coverage decision counts a subject as
 * covered when a source holds any word of its group. The shipped list (default-synonyms.ts) is
 * always on; an admin adds groups in `synonyms.txt` at the root of the knowledge folder (also
 * editable on the console's 同义词 page), read at each re-index.
 *
 * The file format, one group a line:
 *   # a comment
 *   发烧 发热 高烧
 *   停掉/停止/停保
 * Words are separated by spaces, `/`, `,`, `，`, `、` or `=`. A word is 1–20 characters without
 * punctuation; a group has 2–20 words. Bad lines are reported by number and skipped.
 */
import { DEFAULT_SYNONYMS } from "./default-synonyms.js";
import { normalizeText } from "./normalize-text.js";

/** The admin's file, at the root of the knowledge folder; it is never indexed as a source. */
export const SYNONYMS_FILE_NAME = "synonyms.txt";

/** Bounds: the file is untrusted input like any other in the knowledge folder. */
export const SYNONYM_LIMITS = { maxBytes: 1024 * 1024, maxGroups: 10_000, maxWordsPerGroup: 20, maxWordCharacters: 20 } as const;

export interface SynonymProblem {
  /** 1-based line number. */
  line: number;
  message: string;
}

export interface ParsedSynonyms {
  /** Each group's words in normal form (normalizeText), in the order written, without repeats. */
  groups: string[][];
  problems: SynonymProblem[];
}

const SEPARATORS = /[\s/,，、=]+/u;
const WORD = /^[\p{L}\p{N}.%·-]+$/u;

export function parseSynonyms(text: string): ParsedSynonyms {
  const groups: string[][] = [];
  const problems: SynonymProblem[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const number = index + 1;
    if (groups.length >= SYNONYM_LIMITS.maxGroups) {
      problems.push({ line: number, message: `more than ${SYNONYM_LIMITS.maxGroups} groups; the rest of the file is ignored` });
      break;
    }
    const words = [
      ...new Set(
        line
          .split(SEPARATORS)
          .map((word) => normalizeText(word).trim())
          .filter((word) => word !== ""),
      ),
    ];
    const bad = words.find((word) => [...word].length > SYNONYM_LIMITS.maxWordCharacters || !WORD.test(word));
    if (bad !== undefined) {
      problems.push({
        line: number,
        message: `「${[...bad].slice(0, 30).join("")}」 is not a word (letters and digits, at most ${SYNONYM_LIMITS.maxWordCharacters} characters)`,
      });
      continue;
    }
    if (words.length < 2) {
      problems.push({ line: number, message: "a group needs at least two different words" });
      continue;
    }
    if (words.length > SYNONYM_LIMITS.maxWordsPerGroup) {
      problems.push({ line: number, message: `a group has at most ${SYNONYM_LIMITS.maxWordsPerGroup} words` });
      continue;
    }
    groups.push(words);
  }
  return { groups, problems };
}

/** Synonym groups ready for lookup: each word's group, and every word for longest-match scanning. */
export class SynonymIndex {
  private readonly groupByWord = new Map<string, readonly string[]>();
  private readonly longest: number;

  /** Later groups add to earlier ones: a word in two groups gets the words of both. */
  constructor(groups: readonly (readonly string[])[]) {
    let longest = 0;
    for (const group of groups)
      for (const word of group) {
        const earlier = this.groupByWord.get(word);
        this.groupByWord.set(word, earlier ? [...new Set([...earlier, ...group])] : group);
        if (word.length > longest) longest = word.length;
      }
    this.longest = longest;
  }

  /** The word and its synonyms (the word alone when it has none). */
  alternatives(word: string): readonly string[] {
    return this.groupByWord.get(word) ?? [word];
  }

  /** Synonym-list words in `normalized` (normalizeText form), longest first at each position, without overlaps. */
  wordsIn(normalized: string): string[] {
    const words: string[] = [];
    for (let start = 0; start < normalized.length;) {
      let length = Math.min(this.longest, normalized.length - start);
      while (length >= 1 && !this.groupByWord.has(normalized.slice(start, start + length))) length--;
      if (length >= 1) {
        words.push(normalized.slice(start, start + length));
        start += length;
      } else start++;
    }
    return words;
  }

  /**
   * The synonyms of the words in `normalized` (those `needsSynonyms` accepts) that it does not
   * already hold, for searching the question in the folder's words too ("拉肚子" also searches 腹泻).
   */
  expansion(normalized: string, needsSynonyms: (word: string) => boolean = () => true): string[] {
    const extra = new Set<string>();
    for (const word of this.wordsIn(normalized)) {
      if (!needsSynonyms(word)) continue;
      for (const other of this.alternatives(word)) if (!normalized.includes(other)) extra.add(other);
    }
    return [...extra];
  }
}

let shipped: SynonymIndex | undefined;

/** The shipped groups with the admin's (`synonyms.txt`, as stored in the index). */
export function synonymIndex(adminGroups: readonly (readonly string[])[] = []): SynonymIndex {
  if (adminGroups.length === 0) return (shipped ??= new SynonymIndex(parseSynonyms(DEFAULT_SYNONYMS).groups));
  return new SynonymIndex([...parseSynonyms(DEFAULT_SYNONYMS).groups, ...adminGroups]);
}
