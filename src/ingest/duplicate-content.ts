/**
 * The same content under two names (a page saved as both `.html` and `.htm`, a PDF copied twice):
 * indexed once, from the first file in folder order, and reported `SOURCE_DUPLICATE` naming both, so
 * the bot does not cite the same text twice and an admin knows which copy to delete.
 */
import { createHash } from "node:crypto";
import type { SourceDoc } from "../core/types.js";
import type { SourceProblem } from "./source-problem.js";

export class DuplicateContent {
  private readonly filesByBytes = new Map<string, string>();
  private readonly filesByText = new Map<string, string>();

  /** Same bytes as an earlier file: checked before parsing, so a copied PDF is not parsed twice. */
  sameBytes(file: string, bytes: Buffer): SourceProblem | undefined {
    return this.check(this.filesByBytes, createHash("sha256").update(bytes).digest("hex"), file);
  }

  /** Same text once parsed (other markup, whitespace or encoding): checked on the file's sources together. */
  sameText(file: string, sources: SourceDoc[]): SourceProblem | undefined {
    if (sources.length === 0) return undefined;
    const normalized = sources.map((source) => `${normalize(source.title)}\u0000${normalize(source.text)}`).join("\u0001");
    return this.check(this.filesByText, createHash("sha256").update(normalized).digest("hex"), file);
  }

  private check(seen: Map<string, string>, key: string, file: string): SourceProblem | undefined {
    const earlier = seen.get(key);
    if (earlier === undefined) {
      seen.set(key, file);
      return undefined;
    }
    return {
      severity: "warning",
      code: "SOURCE_DUPLICATE",
      file,
      message: `same content as ${earlier}; indexed once, from ${earlier}`,
      hint: `Delete one of ${earlier} and ${file}.`,
    };
  }
}

/** Width forms, case and whitespace do not make a different text. */
function normalize(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, "");
}
