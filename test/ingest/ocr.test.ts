/**
 * OCR without Debian's Tesseract: a missing command or missing Chinese data is SOURCE_NEEDS_OCR
 * naming the packages, a stand-in Tesseract (a small Node script) drives the timeout and the text
 * path, and a `.png` that is not an image is malformed before any OCR runs. The real Tesseract is in
 * test/browser/ocr.test.ts.
 */
import { chmod, copyFile, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { tidyRecognizedText } from "../../src/ingest/ocr/ocr-image.js";
import { readImageHeader } from "../../src/ingest/ocr/image-header.js";

const NOTICE_PNG = path.join(import.meta.dirname, "../fixtures/ocr/flu-notice.png");

async function folderWithNotice(extra: Record<string, string | Buffer> = {}): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "kb-ocr-"));
  await copyFile(NOTICE_PNG, path.join(directory, "notice.png"));
  for (const [name, content] of Object.entries(extra)) await writeFile(path.join(directory, name), content);
  return directory;
}

/** An executable stand-in for `tesseract`: lists `languages`, then answers OCR with `ocr` (JS run per image). */
async function fakeTesseract(languages: string[], ocr: string): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "kb-fake-tesseract-"));
  const script = path.join(directory, "tesseract");
  const listing = JSON.stringify(`List of available languages in "/fake/" (${languages.length}):\n${languages.join("\n")}\n`);
  await writeFile(
    script,
    `#!/usr/bin/env node\nif (process.argv[2] === "--list-langs") { process.stdout.write(${listing}); process.exit(0); }\n` +
      `process.stdin.resume(); process.stdin.on("end", () => { ${ocr} });\n`,
  );
  await chmod(script, 0o755);
  return script;
}

describe("OCR of images (.png, .jpg)", () => {
  it("without Tesseract, reports the image SOURCE_NEEDS_OCR naming the Debian packages and indexes the rest", async () => {
    const folder = await folderWithNotice({ "page.md": "# 接种\n\n每年秋季接种。\n" });
    const { sources, problems } = await loadKnowledge(folder, { ocrCommand: path.join(folder, "no-such-tesseract") });
    expect(sources.map((source) => source.file)).toEqual(["page.md"]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: "error", code: "SOURCE_NEEDS_OCR", file: "notice.png" });
    expect(problems[0].hint).toContain("tesseract-ocr tesseract-ocr-chi-sim");
  });

  it("with Tesseract but no Chinese data, names tesseract-ocr-chi-sim", async () => {
    const folder = await folderWithNotice();
    const command = await fakeTesseract(["eng", "osd"], `process.stdout.write("never");`);
    const { problems } = await loadKnowledge(folder, { ocrCommand: command });
    expect(problems).toEqual([expect.objectContaining({ code: "SOURCE_NEEDS_OCR", file: "notice.png" })]);
    expect(problems[0].message).toContain("chi_sim");
    expect(problems[0].hint).toContain("apt-get install tesseract-ocr-chi-sim");
  });

  it("turns the recognised text into a page source: first line the title, CJK spacing removed", async () => {
    const folder = await folderWithNotice();
    const command = await fakeTesseract(["chi_sim", "eng"], `process.stdout.write("流感 疫苗 接种 须知\\n\\n每年 秋季 接种 一次。\\n\\f");`);
    const { sources, problems } = await loadKnowledge(folder, { ocrCommand: command });
    expect(problems).toEqual([]);
    expect(sources).toEqual([expect.objectContaining({ sourceId: "notice.png", kind: "page", title: "流感疫苗接种须知", text: "每年秋季接种一次。" })]);
  });

  it("stops an OCR run past ocrPageTimeoutMs and reports the file; the rest still indexes", async () => {
    const folder = await folderWithNotice({ "page.md": "# 接种\n\n每年秋季接种。\n" });
    const command = await fakeTesseract(["chi_sim", "eng"], `setInterval(() => undefined, 1000);`);
    const { sources, problems } = await loadKnowledge(folder, { ocrCommand: command, ocrPageTimeoutMs: 200 });
    expect(sources.map((source) => source.file)).toEqual(["page.md"]);
    expect(problems).toEqual([expect.objectContaining({ code: "SOURCE_TOO_LARGE", file: "notice.png" })]);
    expect(problems[0].message).toContain("OCR_PAGE_TIMEOUT_MS");
  });

  it("reports a .png that is not an image as SOURCE_MALFORMED without running OCR", async () => {
    const folder = await folderWithNotice({ "fake.png": "<html>not a picture</html>", "empty.jpg": "" });
    const command = await fakeTesseract(["chi_sim", "eng"], `process.stdout.write("流感疫苗接种须知\\n每年秋季接种一次。");`);
    const { sources, problems } = await loadKnowledge(folder, { ocrCommand: command });
    expect(sources.map((source) => source.file)).toEqual(["notice.png"]);
    expect(problems.map((problem) => [problem.file, problem.code])).toEqual([
      ["empty.jpg", "SOURCE_MALFORMED"],
      ["fake.png", "SOURCE_MALFORMED"],
    ]);
  });

  it("refuses an image whose header claims more pixels than OCR reads", async () => {
    const header = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
    header.writeUInt32BE(13, 8);
    header.write("IHDR", 12, "latin1");
    header.writeUInt32BE(60_000, 16);
    header.writeUInt32BE(60_000, 20);
    expect(readImageHeader(header)).toEqual({ format: "png", width: 60_000, height: 60_000 });
    const folder = await mkdtemp(path.join(os.tmpdir(), "kb-ocr-bomb-"));
    await writeFile(path.join(folder, "bomb.png"), header);
    const { problems } = await loadKnowledge(folder, { ocrCommand: await fakeTesseract(["chi_sim", "eng"], `process.exit(1);`) });
    expect(problems).toEqual([expect.objectContaining({ code: "SOURCE_TOO_LARGE", file: "bomb.png" })]);
  });

  it("tidies Tesseract's output: no spaces inside Chinese, no form feed, spaces between Latin words kept", () => {
    expect(tidyRecognizedText("新冠 疫苗 COVID 19 vaccine\n\n\n\n第二 段\f")).toBe("新冠疫苗 COVID 19 vaccine\n\n第二段");
  });
});
