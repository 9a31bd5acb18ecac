/**
 * The 100-megapixel check before OCR reads a JPEG's size the way its decoder does: fill bytes
 * (0xFF padding, allowed before any marker) in front of the frame header no longer hide a huge
 * canvas, and a JPEG whose size cannot be found is refused instead of going to OCR unchecked. The
 * stand-in Tesseract leaves a mark when it runs, so the tests see that OCR never started.
 */
import { access, chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { readImageHeader } from "../../src/ingest/ocr/image-header.js";
import { jpegWithFillByte } from "./support/hostile-files.js";

let work: string | undefined;
afterEach(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  work = undefined;
});

/** A folder holding `files`, and a stand-in `tesseract` that writes `ran` beside itself when asked to read an image. */
async function folderWithTesseract(files: Record<string, Buffer | string>): Promise<{ knowledgeDir: string; command: string; ran: string }> {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-jpeg-"));
  const knowledgeDir = path.join(work, "knowledge");
  const command = path.join(work, "tesseract");
  const ran = path.join(work, "ran");
  await writeFile(
    command,
    `#!/usr/bin/env node\nif (process.argv[2] === "--list-langs") { process.stdout.write("List of available languages (2):\\nchi_sim\\neng\\n"); process.exit(0); }\n` +
      `require("node:fs").writeFileSync(${JSON.stringify(ran)}, "yes"); process.stdout.write("识别的文字");\n`,
  );
  await chmod(command, 0o755);
  await mkdir(knowledgeDir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(knowledgeDir, name), content);
  return { knowledgeDir, command, ran };
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe("a JPEG with fill bytes before its frame header", () => {
  it("has its size read past the fill byte", () => {
    expect(readImageHeader(jpegWithFillByte(20_000, 20_000))).toEqual({ format: "jpeg", width: 20_000, height: 20_000 });
    expect(readImageHeader(jpegWithFillByte(800, 600))).toEqual({ format: "jpeg", width: 800, height: 600 });
  });

  it("is refused SOURCE_TOO_LARGE before OCR when it claims more than 100 megapixels; the rest indexes", async () => {
    const { knowledgeDir, command, ran } = await folderWithTesseract({
      "scan.jpg": jpegWithFillByte(20_000, 20_000),
      "page.md": "# 接种\n\n每年秋季接种。\n",
    });
    const { sources, problems } = await loadKnowledge(knowledgeDir, { ocrCommand: command });
    expect(sources.map((source) => source.file)).toEqual(["page.md"]);
    expect(problems).toEqual([expect.objectContaining({ code: "SOURCE_TOO_LARGE", file: "scan.jpg", message: expect.stringContaining("20000×20000") })]);
    expect(await exists(ran)).toBe(false);
  });

  it("refuses a JPEG whose size cannot be found rather than reading it unchecked", async () => {
    // Start of image, a comment, then straight to end of image: no frame header at all.
    const noFrame = Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x04, 0x68, 0x69, 0xff, 0xd9]);
    expect(readImageHeader(noFrame)).toEqual({ format: "jpeg" });
    const { knowledgeDir, command, ran } = await folderWithTesseract({ "odd.jpg": noFrame });
    const { problems } = await loadKnowledge(knowledgeDir, { ocrCommand: command });
    expect(problems).toEqual([expect.objectContaining({ code: "SOURCE_MALFORMED", file: "odd.jpg" })]);
    expect(await exists(ran)).toBe(false);
  });
});
