/**
 * Is a word the folder has never seen made of the folder's own characters? Chinese domain words
 * are built from a small set of morphemes: a disease name the folder lacks (痛风, 支气管炎, 脑梗塞)
 * is written with characters its other words use far more than general Chinese does (痛, 炎, 脑,
 * 血), while a narrative word it lacks (老爸, 退居二线) is not. For each character:
 * log(P_folder(character) / P_general(character)), with P_folder from the folder's words weighted
 * by their document frequency (smoothed towards general Chinese) and P_general from the word frequencies of the dictionary jieba
 * ships (general-character-counts.ts). A word scores the mean over its characters. Nothing is
 * trained and no word list is kept.
 */
import type { KeywordIndex } from "../store/keyword-index.js";
import { firstAtLeast } from "../text/sorted-strings.js";
import { GENERAL_CHARACTER_COUNTS } from "./general-character-counts.js";

const WORD_PREFIX = "w:";

/** Counts by UTF-16 code unit: every CJK character of interest is in the Basic Multilingual Plane. */
interface CharacterCounts {
  counts: Float64Array;
  total: number;
}

/** A UTF-16 code unit of the CJK ideograph ranges the folder's words and jieba's dictionary use. */
export const isCjk = (code: number) => (code >= 0x3400 && code <= 0x9fff) || (code >= 0xf900 && code <= 0xfaff);

let general: CharacterCounts | undefined;

/** Character frequencies of general Chinese, parsed once from the generated table. */
function generalCounts(): CharacterCounts {
  if (general) return general;
  const counts = new Float64Array(0x10000);
  let total = 0;
  const table = GENERAL_CHARACTER_COUNTS;
  for (let position = 0; position < table.length;) {
    const character = table.charCodeAt(position++);
    let count = 0;
    for (let digit = table.charCodeAt(position); digit >= 48 && digit <= 57; digit = table.charCodeAt(++position)) count = count * 10 + digit - 48;
    counts[character] += count;
    total += count;
  }
  general = { counts, total };
  return general;
}

// Counted once per loaded index (a new index version is a new KeywordIndex), on first use.
const folderCountsByIndex = new WeakMap<KeywordIndex, CharacterCounts>();

/** Character frequencies of the folder: each word term's document frequency, given to each of its characters. */
function folderCounts(keywordIndex: KeywordIndex): CharacterCounts {
  const known = folderCountsByIndex.get(keywordIndex);
  if (known) return known;
  const { terms, offsets } = keywordIndex.postings;
  const counts = new Float64Array(0x10000);
  let total = 0;
  // Terms are sorted, so the word terms ("w:…") are one run.
  for (let position = firstAtLeast(terms, WORD_PREFIX); position < terms.length && terms[position].startsWith(WORD_PREFIX); position++) {
    const term = terms[position];
    const frequency = offsets[position + 1] - offsets[position];
    for (let index = WORD_PREFIX.length; index < term.length; index++) {
      const code = term.charCodeAt(index);
      if (!isCjk(code)) continue;
      counts[code] += frequency;
      total += frequency;
    }
  }
  const result = { counts, total };
  folderCountsByIndex.set(keywordIndex, result);
  return result;
}

/**
 * How many character occurrences of general Chinese the folder's counts are blended with: a small
 * folder has seen too few characters to call one its own, so its estimates lean on general
 * Chinese; in a medqa-sized folder (about 700,000 counted occurrences) the prior is a few percent.
 * Chosen on the tuning topics (README "No-answer decision"): 10,000 and 30,000 gave the same lost
 * answers, 30,000 slightly fewer uncovered questions answered.
 */
const GENERAL_PRIOR_OCCURRENCES = 30_000;

/** The folder size the no-answer bars were chosen on: the medqa corpus counts about 720,000 occurrences. */
const CALIBRATION_OCCURRENCES = 700_000;

/**
 * A bar on these scores, chosen on a medqa-sized folder, for this folder. The prior pulls a small
 * folder's scores towards 0 (a character twice as common as in general Chinese scores about 0.7
 * at medqa's size and 0.01 in a ten-page folder), so the same bar there would call nothing the
 * folder's: the bar is moved with them, to log(1 + s (e^bar - 1)), s the folder's share of the
 * blend relative to the calibration folder's.
 */
export function folderScaledBar(bar: number, keywordIndex: KeywordIndex): number {
  const share = (occurrences: number) => occurrences / (occurrences + GENERAL_PRIOR_OCCURRENCES);
  return Math.log(1 + (share(folderCounts(keywordIndex).total) / share(CALIBRATION_OCCURRENCES)) * Math.expm1(bar));
}

/** Mean over the word's CJK characters of log(P_folder / P_general), P_folder smoothed towards P_general; 0 for a word without any. */
export function characterSpecificity(word: string, keywordIndex: KeywordIndex): number {
  return characterSpecificities(word, keywordIndex).mean;
}

/**
 * The mean over the word's CJK characters and the highest single character's score. A folder
 * that lacks a topic lacks the characters only that topic uses, so a disease name can average
 * like an everyday word and still hold one character the folder writes all the time (螺杆菌: 螺
 * gone with the topic, 杆 everyday, 菌 the folder's).
 */
export function characterSpecificities(word: string, keywordIndex: KeywordIndex): { mean: number; strongest: number } {
  const folder = folderCounts(keywordIndex);
  const generalTable = generalCounts();
  let sum = 0;
  let strongest = -Infinity;
  let characters = 0;
  for (let index = 0; index < word.length; index++) {
    const code = word.charCodeAt(index);
    if (!isCjk(code)) continue;
    const inGeneral = (generalTable.counts[code] + 1) / generalTable.total;
    const inFolder = (folder.counts[code] + GENERAL_PRIOR_OCCURRENCES * inGeneral) / (folder.total + GENERAL_PRIOR_OCCURRENCES);
    const score = Math.log(inFolder / inGeneral);
    sum += score;
    if (score > strongest) strongest = score;
    characters++;
  }
  return characters === 0 ? { mean: 0, strongest: 0 } : { mean: sum / characters, strongest };
}
