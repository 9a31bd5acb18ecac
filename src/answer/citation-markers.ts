/**
 * Keeps a model-written answer honest about its citations: every `[n]` must name an existing
 * citation, and the medical disclaimer is placed by the policy's decision, not by the model.
 */
import { MEDICAL_DISCLAIMER } from "../core/medical-disclaimer.js";

/** Removes `[n]` markers (also `[1,2]`-style groups' unknown members) that are not citation numbers. */
export function removeUnknownCitations(text: string, citationNumbers: Set<number>): string {
  return text
    .replace(/\s*\[(\d+(?:\s*[,，、]\s*\d+)*)\]/g, (marker, inside: string) => {
      const known = inside
        .split(/[,，、]/)
        .map((part) => Number(part.trim()))
        .filter((n) => citationNumbers.has(n));
      return known.length === 0 ? "" : `${marker.match(/^\s*/)![0]}${known.map((n) => `[${n}]`).join("")}`;
    })
    .replace(/[ \t]+\n/g, "\n")
    .trim();
}

/** The citation numbers a text still uses. */
export function usedCitationNumbers(text: string): Set<number> {
  return new Set([...text.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1])));
}

/** Drops any disclaimer the model wrote and, when the answer needs one, ends with exactly one. */
export function placeDisclaimer(text: string, disclaimer: boolean): string {
  const withoutDisclaimer = text
    .split(/\n{2,}/)
    .map((paragraph) =>
      paragraph
        .replace(MEDICAL_DISCLAIMER, "")
        .replace(/^\s*(?:提示|注意)[:：]\s*$/, "")
        .trim(),
    )
    .filter((paragraph) => paragraph !== "")
    .join("\n\n");
  return disclaimer ? `${withoutDisclaimer}\n\n${MEDICAL_DISCLAIMER}` : withoutDisclaimer;
}
