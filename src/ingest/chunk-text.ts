/**
 * Chinese-aware chunking: split on headings and paragraphs first, then on sentence ends (。！？；),
 * then on clause commas, and only as a last resort inside a clause. Neighbouring chunks overlap by
 * whole sentences so a passage quoted from either still reads as complete sentences.
 */
import type { Chunk, ChunkOptions, SourceDoc, SourceLocation, TextLocation } from "../core/types.js";

export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = { maxChars: 400, overlapChars: 80, singleChunkQaChars: 800 };

const SENTENCE = /[^。！？；!?;\n]+(?:[。！？；!?;]+[”’"')）」』]*|$)|[。！？；!?;]+/g;
const CLAUSE = /[^，,、：:]+[，,、：:]*/g;
const HEADING_MAX_CHARS = 30;

export function checkChunkOptions(options: ChunkOptions): void {
  if (!(options.maxChars >= 50)) throw new RangeError(`maxChars must be at least 50, got ${options.maxChars}`);
  if (!(options.overlapChars >= 0 && options.overlapChars < options.maxChars / 2)) {
    throw new RangeError(`overlapChars must be between 0 and half of maxChars (${options.maxChars / 2}), got ${options.overlapChars}`);
  }
}

export function chunkSource(source: SourceDoc, options: ChunkOptions = DEFAULT_CHUNK_OPTIONS): Chunk[] {
  checkChunkOptions(options);
  const toChunk = (text: string, index: number): Chunk => ({ chunkId: `${source.sourceId}#${index}`, sourceId: source.sourceId, index, text });
  if (source.question !== undefined && source.question.length + source.text.length + 1 <= options.singleChunkQaChars) {
    // The question is the best match for a user's question, so it stays in the one chunk.
    return [toChunk(`${source.question}\n${source.text}`, 0)];
  }
  if (source.locations && source.locations.length > 0) return pagedChunks(source, source.locations, options);
  return splitText(source.text, options).map(toChunk);
}

/**
 * A paged document (PDF, deck) is chunked page by page, so that every chunk lies on one page and
 * a citation opens the page its words are on. A short page is a short chunk.
 */
function pagedChunks(source: SourceDoc, locations: TextLocation[], options: ChunkOptions): Chunk[] {
  const chunks: Chunk[] = [];
  locations.forEach((location, position) => {
    const end = position + 1 < locations.length ? locations[position + 1].offset : source.text.length;
    const where: SourceLocation = { unit: location.unit, number: location.number };
    for (const text of splitText(source.text.slice(location.offset, end), options)) {
      const index = chunks.length;
      chunks.push({ chunkId: `${source.sourceId}#${index}`, sourceId: source.sourceId, index, text, location: where });
    }
  });
  return chunks;
}

/** Splits text into chunks of at most `maxChars` characters, keeping sentences whole where possible. */
export function splitText(text: string, options: ChunkOptions = DEFAULT_CHUNK_OPTIONS): string[] {
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
  const chunks: string[] = [];
  let current: { text: string; paragraphBreak: boolean }[] = [];
  let currentLength = 0;
  let carriedHeading = false;

  const flush = () => {
    if (current.length === 0) return;
    // A chunk should not end on a heading: it belongs with what follows.
    const trailingHeading = current.length > 1 && isHeading(current[current.length - 1].text) ? current.pop() : undefined;
    carriedHeading = trailingHeading !== undefined;
    chunks.push(joinUnits(current));
    const carried: { text: string; paragraphBreak: boolean }[] = [];
    let carriedLength = 0;
    if (!trailingHeading) {
      for (let index = current.length - 1; index > 0; index--) {
        const unit = current[index];
        if (unit.paragraphBreak || carriedLength + unit.text.length > options.overlapChars) break;
        carried.unshift(unit);
        carriedLength += unit.text.length;
      }
    }
    current = trailingHeading
      ? [{ ...trailingHeading, paragraphBreak: false }]
      : carried.map((unit, index) => ({ ...unit, paragraphBreak: index === 0 ? false : unit.paragraphBreak }));
    currentLength = current.reduce((sum, unit) => sum + unit.text.length, 0);
  };

  for (const paragraph of paragraphs) {
    const units = paragraph.length <= options.maxChars ? [paragraph] : splitLongParagraph(paragraph, options.maxChars);
    units.forEach((unit, index) => {
      const paragraphBreak = index === 0 && current.length > 0;
      const added = unit.length + (paragraphBreak ? 2 : 0);
      if (currentLength + added > options.maxChars && current.length > 0) flush();
      // The overlap carried over must not push the next chunk past the limit.
      if (currentLength + unit.length > options.maxChars) {
        // A carried heading is content, not overlap: it becomes a chunk of its own rather than be lost.
        if (carriedHeading) chunks.push(joinUnits(current));
        current = [];
        currentLength = 0;
      }
      current.push({ text: unit, paragraphBreak: index === 0 && current.length > 0 });
      currentLength += unit.length + (index === 0 && current.length > 1 ? 2 : 0);
    });
  }
  if (current.length > 0) {
    const last = joinUnits(current);
    // Do not emit a chunk that only repeats the overlap of the one before it.
    if (!(chunks.length > 0 && chunks[chunks.length - 1].endsWith(last))) chunks.push(last);
  }
  return chunks;
}

function joinUnits(units: { text: string; paragraphBreak: boolean }[]): string {
  return units.map((unit, index) => (index > 0 && unit.paragraphBreak ? `\n\n${unit.text}` : unit.text)).join("");
}

function isHeading(text: string): boolean {
  return text.length <= HEADING_MAX_CHARS && !/[。！？；!?;，,]$/.test(text);
}

function splitLongParagraph(paragraph: string, maxChars: number): string[] {
  const units: string[] = [];
  for (const sentence of paragraph.match(SENTENCE) ?? [paragraph]) {
    const trimmed = sentence.replace(/^\s+/, "");
    if (!trimmed) continue;
    if (trimmed.length <= maxChars) {
      units.push(trimmed);
      continue;
    }
    for (const clause of trimmed.match(CLAUSE) ?? [trimmed]) {
      for (let start = 0; start < clause.length; start += maxChars) units.push(clause.slice(start, start + maxChars));
    }
  }
  return units;
}
