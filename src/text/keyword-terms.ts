/** The terms the keyword index and the query are both reduced to; one function so the two always match. */
import type { Chunk, SourceDoc } from "../core/types.js";
import { mixedTerms } from "./chinese-terms.js";

export const keywordTerms = mixedTerms;

/** What the keyword index holds of one chunk: the terms of its two fields. */
export interface KeywordDocument {
  titleTerms: string[];
  bodyTerms: string[];
}

/** The title field is the source's question/title; the body is the chunk without a repeated question. */
export function keywordDocument(source: SourceDoc, chunk: Chunk): KeywordDocument {
  const body = chunk.text.startsWith(source.title) ? chunk.text.slice(source.title.length) : chunk.text;
  return { titleTerms: keywordTerms(source.title), bodyTerms: keywordTerms(body) };
}
