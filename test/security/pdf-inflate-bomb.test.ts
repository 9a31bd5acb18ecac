/**
 * A PDF cannot take the process's memory: a 1 MB file whose content stream inflates to 1 GiB of
 * spaces is reported SOURCE_TOO_LARGE by name while the rest of the folder indexes, its streams are
 * counted as they inflate (never more than the limit and one step of output), and the process's
 * peak RSS over a whole re-index stays under 1 GB. The bombs are made here, in memory.
 */
import { copyFile, cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { DEFAULT_INDEX_LIMITS } from "../../src/ingest/index-limits.js";
import { checkPdfUnpackedBytes } from "../../src/ingest/pdf-unpacked-bytes.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { inflateBombPdf, lzwBomb, pdfWithContent, spaceBomb } from "./support/hostile-files.js";

const MEBIBYTE = 1024 * 1024;
/** zlib hands output over 16 KiB at a time: the most counted past a limit before decoding stops. */
const ONE_STEP = 16 * 1024;
const HANDBOOK_PDF = path.join(PROJECT_ROOT, "test/fixtures/documents/patient-handbook.pdf");
const BUDGET = { maxUnpackedBytes: DEFAULT_INDEX_LIMITS.maxUnpackedBytes, maxStreamBytes: DEFAULT_INDEX_LIMITS.maxPdfStreamBytes };

let work: string | undefined;
afterEach(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  work = undefined;
});

describe("a PDF inflate bomb", () => {
  it("is reported SOURCE_TOO_LARGE by name in a re-index that indexes the rest, with peak RSS under 1 GB", async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "kb-pdf-bomb-"));
    const knowledgeDir = path.join(work, "knowledge");
    await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
    await copyFile(HANDBOOK_PDF, path.join(knowledgeDir, "handbook.pdf"));
    const bomb = inflateBombPdf("Hello", 1024);
    expect(bomb.length).toBeLessThan(2 * MEBIBYTE);
    await writeFile(path.join(knowledgeDir, "bomb.pdf"), bomb);

    const { summary, problems } = await buildIndex({ knowledgeDir, indexDir: path.join(work, "index"), embedder: { kind: "local", batchSize: 64 } });

    expect(problems.filter((problem) => problem.file === "bomb.pdf")).toEqual([
      expect.objectContaining({ code: "SOURCE_TOO_LARGE", severity: "error", message: expect.stringContaining("MAX_PDF_STREAM_BYTES") }),
    ]);
    expect(summary.added).toContain("handbook.pdf");
    expect(summary.added).not.toContain("bomb.pdf");
    expect(summary.sources).toBeGreaterThan(1);
    // maxRSS is in KiB, the peak of this whole test process (its parse thread included).
    expect(process.resourceUsage().maxRSS * 1024).toBeLessThan(1024 ** 3);
  }, 120_000);

  it("is stopped as it inflates: counted to at most the stream limit and one step of output", async () => {
    const check = await checkPdfUnpackedBytes(inflateBombPdf("Hello", 4096), BUDGET);
    expect(check).toMatchObject({ fits: false, limit: "stream" });
    expect(check.unpackedBytes).toBeGreaterThan(BUDGET.maxStreamBytes);
    expect(check.unpackedBytes).toBeLessThanOrEqual(BUDGET.maxStreamBytes + ONE_STEP);
  });

  it("counts every stream toward the file's limit", async () => {
    const check = await checkPdfUnpackedBytes(manyStreams(6, 48), BUDGET);
    expect(check).toMatchObject({ fits: false, limit: "file" });
    expect(check.unpackedBytes).toBeLessThanOrEqual(BUDGET.maxUnpackedBytes + ONE_STEP);
  });

  it("follows chained filters and escaped filter names to the bytes pdf.js would produce", async () => {
    const doubled = zlib.deflateSync(spaceBomb("BT ET\n", 256));
    const check = await checkPdfUnpackedBytes(pdfWithContent(doubled, "/Filter [/FlateDecode /Fl]"), BUDGET);
    expect(check).toMatchObject({ fits: false, limit: "stream" });
    const escaped = await checkPdfUnpackedBytes(pdfWithContent(spaceBomb("BT ET\n", 256), "/Fi#6cter /Fl#61teDecode"), BUDGET);
    expect(escaped).toMatchObject({ fits: false, limit: "stream" });
  });

  it("resolves filters named through another object, and refuses a stream whose filters cannot be found", async () => {
    const pointed = Buffer.from(
      pdfWithContent(spaceBomb("BT ET\n", 256), "/Filter 9 0 R").toString("latin1").replace("xref\n", "9 0 obj\n[/FlateDecode]\nendobj\nxref\n"),
      "latin1",
    );
    expect(await checkPdfUnpackedBytes(pointed, BUDGET)).toMatchObject({ fits: false, limit: "stream" });
    const missing = await checkPdfUnpackedBytes(pdfWithContent(spaceBomb("BT ET\n", 1), "/Filter 99 0 R"), BUDGET);
    expect(missing).toMatchObject({ fits: false, limit: "unresolved-filter" });
  });

  it("counts LZW as pdf.js decodes it: a small table's exact size, a bomb stopped at the limit", async () => {
    const small = lzwBomb(10);
    expect(await checkPdfUnpackedBytes(pdfWithContent(small.stream, "/Filter /LZWDecode"), BUDGET)).toEqual({ fits: true, unpackedBytes: small.decodedBytes });
    const bomb = lzwBomb(40_000);
    expect(bomb.decodedBytes).toBeGreaterThan(BUDGET.maxStreamBytes * 2);
    const check = await checkPdfUnpackedBytes(pdfWithContent(bomb.stream, "/Filter /LZWDecode"), BUDGET);
    expect(check).toMatchObject({ fits: false, limit: "stream" });
    expect(check.unpackedBytes).toBeLessThanOrEqual(BUDGET.maxStreamBytes + 4096);
  });

  it("lets an ordinary PDF through with what its streams unpack to", async () => {
    const check = await checkPdfUnpackedBytes(inflateBombPdf("Hello", 3), BUDGET);
    expect(check).toEqual({ fits: true, unpackedBytes: 3 * MEBIBYTE + Buffer.byteLength("BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n") });
  });
});

/** A PDF with `count` extra image-like streams of `mebibytes` MiB each (each under the stream limit). */
function manyStreams(count: number, mebibytes: number): Buffer {
  const page = inflateBombPdf("Hello", 1).toString("latin1");
  const stream = spaceBomb("", mebibytes).toString("latin1");
  const extra = Array.from(
    { length: count },
    (_, index) => `${10 + index} 0 obj\n<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n${stream}\nendstream\nendobj\n`,
  ).join("");
  // Objects put before the cross-reference table (so its offsets no longer fit): this file is only counted, not opened.
  return Buffer.from(page.replace("xref\n", `${extra}xref\n`), "latin1");
}
