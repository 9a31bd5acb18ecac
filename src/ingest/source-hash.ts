import { createHash } from "node:crypto";
import type { SourceDoc } from "../core/types.js";

/** Hash of everything that reaches the index, so an unchanged hash means nothing to re-embed. */
export function hashSource(source: Omit<SourceDoc, "contentHash">): string {
  const indexed = {
    sourceId: source.sourceId,
    title: source.title,
    url: source.url ?? null,
    category: source.category ?? null,
    date: source.date ?? null,
    tags: source.tags ?? [],
    kind: source.kind,
    question: source.question ?? null,
    text: source.text,
    disclaimer: source.disclaimer,
    // Left out of the JSON when absent, so sources without pages keep the hashes they had.
    locations: source.locations,
  };
  return createHash("sha256").update(JSON.stringify(indexed)).digest("hex");
}

export function withHash(source: Omit<SourceDoc, "contentHash">): SourceDoc {
  return { ...source, contentHash: hashSource(source) };
}
