/**
 * One normal form for matching: full-width letters and digits become half-width (NFKC), traditional
 * characters become simplified (a user may type 醫保 for 医保), and case is folded. Used for both the
 * indexed text and the query so the two always meet in the same form.
 */
import OpenCC from "opencc-js";

const toSimplified = OpenCC.Converter({ from: "hk", to: "cn" });

export function normalizeText(text: string): string {
  return toSimplified(text.normalize("NFKC")).toLowerCase();
}
