/**
 * A source's retrieved passages as the sentences an answer may quote, each knowing the chunk it
 * sits in (so a citation can open the page there) and what kind of line it is: a heading or a
 * lead-in ("…以下方面:") is context, never the end of a quote; the unfinished tail of a source that
 * is itself cut short (a 相关推荐 teaser) is never quoted.
 */
import { DISCLAIMER_LINE } from "../core/medical-disclaimer.js";
import type { Passage, SourceDoc } from "../core/types.js";

/** A sentence keeps its closing punctuation and the line breaks after it, so quotes keep the layout. */
const SENTENCE = /[^。！？；!?;\n]+(?:[。！？；!?;]+[”’"')）」』]*)?\n*|[。！？；!?;]+\n*|\n+/g;
const SENTENCE_END = /[。！？；!?;…][”’"')）」』]*$/;
const LEAD_END = /[：:]$/;
/** "• 少吃盐" or "- 多运动": a list item is content even without a full stop. */
const LIST_ITEM = /^[•·▪●○◦\-*+]\s*\S/;
/** A line this short without a full stop is a heading ("总结", "二、操作对象与范围"). */
const HEADING_MAX_CHARS = 40;

/**
 * "disclaimer": the source's own copy of the medical disclaimer (a PDF or Word page printed from a
 * site keeps it in its text). It is never quoted: the answer adds the disclaimer itself, once.
 */
export type SentenceRole = "sentence" | "heading" | "lead" | "unfinished" | "disclaimer";

export interface SourceSentence {
  /** The sentence as in the source, with its trailing line breaks. */
  text: string;
  /** Index of the chunk that holds it (the first one, when chunks overlap). */
  chunkIndex: number;
  /** Position among the source's sentences, in reading order. */
  position: number;
  /** True when the sentence directly follows the one at `position - 1` in the source. */
  followsPrevious: boolean;
  role: SentenceRole;
}

export function splitSentences(text: string): string[] {
  return (text.match(SENTENCE) ?? [text]).filter((sentence) => sentence.trim() !== "");
}

/**
 * The sentences of a source's passages in chunk order. Neighbouring chunks repeat whole sentences
 * (the chunk overlap); a repeated sentence is kept once, in the earlier chunk, which is also where
 * the source page shows it.
 */
export function sourceSentences(passages: readonly Passage[], source: SourceDoc): SourceSentence[] {
  const ordered = [...passages].sort((left, right) => left.chunkIndex - right.chunkIndex);
  const sentences: SourceSentence[] = [];
  let previousChunk: { index: number; sentences: string[] } | undefined;
  for (const passage of ordered) {
    let text = passage.text;
    if (source.question && text.startsWith(`${source.question}\n`)) text = text.slice(source.question.length + 1);
    const pieces = splitSentences(text);
    const adjacent = previousChunk !== undefined && previousChunk.index === passage.chunkIndex - 1;
    const repeated = adjacent ? overlapLength(previousChunk!.sentences, pieces) : 0;
    // A chunk starts where the chunker cut between paragraphs or sentences: restore the break it dropped.
    const last = sentences[sentences.length - 1];
    if (last && repeated === 0 && !last.text.endsWith("\n")) last.text += adjacent ? breakAfter(source.text, last.text) : "\n\n";
    pieces.slice(repeated).forEach((piece, offset) => {
      sentences.push({
        text: piece,
        chunkIndex: passage.chunkIndex,
        position: sentences.length,
        // Chunks that are not neighbours leave a gap: what lies between was not retrieved.
        followsPrevious: sentences.length > 0 && (offset > 0 || repeated > 0 || adjacent),
        role: "sentence",
      });
    });
    previousChunk = { index: passage.chunkIndex, sentences: pieces };
  }
  const lastChunkIndex = ordered.length > 0 ? ordered[ordered.length - 1].chunkIndex : -1;
  sentences.forEach((sentence, position) => {
    const isSourceEnd = position === sentences.length - 1 && sentence.chunkIndex === lastChunkIndex;
    sentence.role = sentenceRole(sentence.text, isSourceEnd && source.kind === "excerpt");
  });
  return sentences;
}

function sentenceRole(text: string, endOfCutSource: boolean): SentenceRole {
  const trimmed = text.trim();
  if (DISCLAIMER_LINE.test(trimmed)) return "disclaimer";
  if (SENTENCE_END.test(trimmed)) return "sentence";
  // An excerpt stops where the site cut it: its last words without a full stop are a fragment.
  if (endOfCutSource) return "unfinished";
  if (LEAD_END.test(trimmed)) return "lead";
  if (LIST_ITEM.test(trimmed) || trimmed.length > HEADING_MAX_CHARS) return "sentence";
  return "heading";
}

/** The line breaks that follow `sentence` in the source's text (none when it runs on in its paragraph). */
function breakAfter(text: string, sentence: string): string {
  const at = text.indexOf(sentence);
  if (at < 0) return "\n\n";
  return /^\s*/.exec(text.slice(at + sentence.length, at + sentence.length + 8))![0].replace(/[^\n]/g, "");
}

/** How many sentences at the start of `next` repeat the end of `previous` (the chunk overlap). */
function overlapLength(previous: readonly string[], next: readonly string[]): number {
  for (let size = Math.min(previous.length, next.length); size > 0; size--) {
    let same = true;
    for (let offset = 0; offset < size && same; offset++) same = previous[previous.length - size + offset].trim() === next[offset].trim();
    if (same) return size;
  }
  return 0;
}
