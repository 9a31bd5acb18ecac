/**
 * Words that name what a question is about whether or not the knowledge folder uses them: THUOCL's
 * medical terms (心力衰竭, 幽门螺杆菌, 便秘) and place names (北京, 黄山, 湘潭), shipped in
 * vocabulary/ with their licence. A question's terms from these lists are found as text in its normal
 * form (every occurrence no longer one contains), so a term is found however jieba splits it (胃胀 is
 * two words to jieba).
 */
import { MEDICAL_TERMS } from "./vocabulary/medical-terms.js";
import { PLACE_NAMES } from "./vocabulary/place-names.js";

export type VocabularyKind = "medical" | "place";

export interface VocabularyMatch {
  word: string;
  kind: VocabularyKind;
  /** Position in the text searched (UTF-16 code units). */
  start: number;
}

interface Vocabulary {
  kinds: Map<string, VocabularyKind>;
  /** Per first two characters, the longest word starting with them: most positions start none. */
  longestByPrefix: Map<string, number>;
}

let vocabulary: Vocabulary | undefined;

function load(): Vocabulary {
  if (vocabulary) return vocabulary;
  const kinds = new Map<string, VocabularyKind>();
  const longestByPrefix = new Map<string, number>();
  const add = (table: string, kind: VocabularyKind) => {
    for (const word of table.split("\n")) {
      // A name that is both (吉林 is also a THUOCL medical entry's prefix, never the entry) stays medical.
      if (!kinds.has(word)) kinds.set(word, kind);
      const prefix = word.slice(0, 2);
      if (word.length > (longestByPrefix.get(prefix) ?? 0)) longestByPrefix.set(prefix, word.length);
    }
  };
  add(MEDICAL_TERMS, "medical");
  add(PLACE_NAMES, "place");
  vocabulary = { kinds, longestByPrefix };
  return vocabulary;
}

/** Loads the lists now, so that the first question does not wait for them. */
export function preloadSubjectVocabulary(): void {
  load();
}

/**
 * The lists' words in `normalized` (normalizeText form), left to right: every occurrence that no
 * longer occurrence contains. Overlapping words both count (乙肝血清 holds 肝血 and 血清), so a word
 * is never hidden by a neighbour that happens to be in the lists too.
 */
export function vocabularyMatches(normalized: string): VocabularyMatch[] {
  const { kinds, longestByPrefix } = load();
  const matches: VocabularyMatch[] = [];
  let reach = 0;
  for (let start = 0; start < normalized.length - 1; start++) {
    const longest = longestByPrefix.get(normalized.slice(start, start + 2));
    if (longest === undefined) continue;
    for (let length = Math.min(longest, normalized.length - start); length >= 2; length--) {
      const word = normalized.slice(start, start + length);
      const kind = kinds.get(word);
      if (!kind) continue;
      // Only the longest word starting here can be maximal, and only if it reaches past the last one.
      if (start + length > reach) {
        matches.push({ word, kind, start });
        reach = start + length;
      }
      break;
    }
  }
  return matches;
}
