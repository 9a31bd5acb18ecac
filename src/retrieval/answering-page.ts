/**
 * A paged document (PDF, slide deck) is quoted from one page: the page or slide that holds the
 * sentence matching the question best. Retrieval hands over a source's best chunks, which may lie
 * on several pages; quoted together, a short document would come back whole, page after page,
 * cited at its first page while the answer sits on another. Kept to one page, the quote is what
 * answers and the citation opens the page that shows it.
 */
import type { Passage, SourceDoc } from "../core/types.js";
import { sourceSentences } from "./source-sentences.js";

/** The passages on the page of the best-matching sentence; all of them for a source without pages. */
export function passagesOfAnsweringPage(passages: readonly Passage[], source: SourceDoc, score: (text: string) => number): Passage[] {
  if (!source.locations?.length || !passages.some((passage) => passage.location)) return [...passages];
  let best: { chunkIndex: number; weight: number } | undefined;
  for (const sentence of sourceSentences(passages, source)) {
    if (sentence.role !== "sentence") continue;
    const weight = score(sentence.text);
    // Ties go to the earlier sentence, as in the quote itself.
    if (!best || weight > best.weight) best = { chunkIndex: sentence.chunkIndex, weight };
  }
  // Nothing matches a question word: the best-ranked passage's page.
  const chunkIndex = best && best.weight > 0 ? best.chunkIndex : passages[0]?.chunkIndex;
  const page = passages.find((passage) => passage.chunkIndex === chunkIndex)?.location;
  if (!page) return [...passages];
  return passages.filter((passage) => passage.location?.unit === page.unit && passage.location.number === page.number);
}
