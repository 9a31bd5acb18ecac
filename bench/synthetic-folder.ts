/**
 * The scale benchmarks' synthetic knowledge folder: N one-chunk Q&A rows recombined from the medqa
 * answers' sentences with a seeded random generator, so every run with the same N builds the same
 * folder. Shared by scale-one.ts and hnsw-sweep.ts so both measure the same vectors.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import Papa from "papaparse";

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** The CSV text of a folder of `chunkCount` synthetic rows (`id,question,answer`). */
export async function syntheticCsv(chunkCount: number, medqaDir: string): Promise<string> {
  const rows = Papa.parse<{ question: string; answer: string }>(await readFile(path.join(medqaDir, "corpus.csv"), "utf8"), {
    header: true,
    skipEmptyLines: true,
  }).data;
  const sentences = rows.flatMap((row) => row.answer.split(/(?<=[。！？])/).filter((sentence) => sentence.length > 4));
  const random = seededRandom(chunkCount);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  // Short synthetic Q&A rows stay one chunk each, so N rows give N chunks.
  const lines = ["id,question,answer"];
  for (let row = 0; row < chunkCount; row++) {
    const answer = Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(sentences)).join("");
    lines.push(`s${row},"${pick(rows).question.replace(/"/g, '""')}","${answer.replace(/"/g, '""')}"`);
  }
  return `${lines.join("\n")}\n`;
}

/** The first `count` medqa dev queries' texts. */
export async function readDevQueries(medqaDir: string, count: number): Promise<string[]> {
  const lines = (await readFile(path.join(medqaDir, "dev-queries.jsonl"), "utf8")).trim().split("\n");
  return lines.slice(0, count).map((line) => (JSON.parse(line) as { query: string }).query);
}
