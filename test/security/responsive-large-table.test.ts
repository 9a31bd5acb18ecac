/**
 * Parsing a huge table never holds the server's thread. A re-index (a dry run: it loads and parses
 * every file, then compares) reads, in folder order: a.png, bulk.csv (200,000 generated rows),
 * m.png, copy.csv (the same bytes, so it is read and hashed but not parsed) and z.png. A stand-in
 * Tesseract marks the start and end of each image's OCR in a folder, so the test knows which file
 * the loader is at. Meanwhile the test sends /healthz requests one after another from the server's
 * own thread and counts the answers that arrive between a.png and m.png (reading and parsing the
 * table) and between m.png and z.png (reading the same bytes without parsing them).
 *
 * When the parse ran on the server's thread, the loop could send nothing while the table was
 * parsed: both windows got answers only while the file was being read, about as many each. With
 * parsing on the parse thread the first window gets many more. Counted, never timed.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHookedServer, type HookedServer } from "./support/hooked-server.js";

const ROWS = 200_000;

let work: string;
let knowledgeDir: string;
let markers: string;
let server: HookedServer;

function largeCsv(rows: number): string {
  const lines = ["id,question,answer"];
  for (let row = 0; row < rows; row++) lines.push(`row-${row},问题${row}怎么办,答案${row}：携带证件到窗口办理。`);
  return `${lines.join("\n")}\n`;
}

/** A PNG header (all the loader checks before OCR) for a small image; `seed` keeps each file's bytes distinct. */
function tinyPng(seed: number): Buffer {
  const header = Buffer.alloc(34);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write("IHDR", 12, "latin1");
  header.writeUInt32BE(100, 16);
  header.writeUInt32BE(100, 20);
  header[33] = seed;
  return header;
}

/** A stand-in `tesseract` that writes `start-N` and `end-N` into the markers folder around its Nth recognition. */
async function markingTesseract(): Promise<string> {
  const command = path.join(work, "tesseract");
  await writeFile(
    command,
    `#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
const markers = ${JSON.stringify(markers)};
if (process.argv[2] === "--list-langs") { process.stdout.write("List of available languages (2):\\nchi_sim\\neng\\n"); process.exit(0); }
let count = 0;
while (fs.existsSync(path.join(markers, "start-" + count))) count++;
fs.writeFileSync(path.join(markers, "start-" + count), "");
process.stdin.resume();
process.stdin.on("end", () => {
  process.stdout.write("标记页" + count + "\\n第" + count + "页的内容。\\n");
  fs.writeFileSync(path.join(markers, "end-" + count), "");
});
`,
  );
  await chmod(command, 0o755);
  return command;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-large-table-"));
  knowledgeDir = path.join(work, "knowledge");
  markers = path.join(work, "markers");
  await mkdir(knowledgeDir);
  await mkdir(markers);
  await writeFile(path.join(knowledgeDir, "page.md"), "# 门诊报销\n\n门诊费用可以按比例报销。\n");
  server = await startHookedServer(knowledgeDir, path.join(work, "index"), { ocrCommand: await markingTesseract() });
  const table = largeCsv(ROWS);
  await writeFile(path.join(knowledgeDir, "bulk.csv"), table);
  await writeFile(path.join(knowledgeDir, "copy.csv"), table);
  for (const [index, name] of ["a.png", "m.png", "z.png"].entries()) await writeFile(path.join(knowledgeDir, name), tinyPng(index));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

const marked = (name: string) => existsSync(path.join(markers, name));

describe("a re-index of a folder holding a 200,000-row CSV", () => {
  it("keeps answering /healthz while the table is parsed", async () => {
    let finished = false;
    const reindex = server.reindex({ dryRun: true }).finally(() => (finished = true));
    const answered = { readAndParsed: 0, readOnly: 0 };
    let failed = 0;
    while (!finished) {
      // A connection the server closed while it could not answer (keep-alive ran out) counts as no answer.
      const response = await fetch(`${server.url}/healthz`).catch(() => undefined);
      if (!response) {
        failed++;
        continue;
      }
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      if (marked("end-0") && !marked("start-1")) answered.readAndParsed++;
      if (marked("end-1") && !marked("start-2")) answered.readOnly++;
    }
    const response = await reindex;
    expect(response.status).toBe(200);
    const summary = (await response.json()) as { sources: number; errors: unknown[]; problems: { file: string; code: string }[] };
    // The table's rows, the page and the three marker images; the copy is reported, not indexed.
    expect(summary.sources).toBe(ROWS + 4);
    expect(summary.errors).toEqual([]);
    expect(summary.problems).toEqual([expect.objectContaining({ file: "copy.csv", code: "SOURCE_DUPLICATE" })]);
    expect(marked("end-2")).toBe(true);
    expect(answered.readAndParsed).toBeGreaterThan(3 * answered.readOnly + 20);
    expect(failed).toBe(0);
  }, 240_000);
});
