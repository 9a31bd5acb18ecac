/**
 * A re-index parses only added and changed files: a document whose bytes are unchanged takes the
 * serving version's kept parse (hard-linked into the new version, listed and checked in its
 * manifest), a changed one is parsed again, `--full` parses everything, a damaged kept parse is
 * parsed again rather than trusted, and a synonyms change still publishes a new version.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { readCurrentVersion, versionDirectory } from "../../src/store/index-layout.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { DOCX_BODY, docxBytes } from "../fixtures/documents/make-document-fixtures.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
const FIXTURES = path.join(PROJECT_ROOT, "test/fixtures/documents");
const DOCUMENTS = ["clinic-guide.docx", "faq-workbook.xlsx", "patient-handbook.pdf"];

let workDir: string;
let knowledgeDir: string;
let indexDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-parse-reuse-"));
  knowledgeDir = path.join(workDir, "knowledge");
  indexDir = path.join(workDir, "index");
  await mkdir(knowledgeDir, { recursive: true });
  for (const name of DOCUMENTS) await copyFile(path.join(FIXTURES, name), path.join(knowledgeDir, name));
  await writeFile(path.join(knowledgeDir, "hours.md"), "# 门诊时间\n\n门诊周一至周五开放。\n");
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const build = (full = false) => buildIndex({ knowledgeDir, indexDir, embedder: local, full });
const sorted = (files: string[]) => [...files].sort();

async function parsedEntries(): Promise<{ names: string[]; directory: string }> {
  const directory = path.join(versionDirectory(indexDir, (await readCurrentVersion(indexDir))!), "parsed");
  return { names: (await readdir(directory)).sort(), directory };
}

describe("a re-index parses only added and changed files", () => {
  it("parses every file on the first build and keeps the documents' parses in the version", async () => {
    const first = await build();
    expect(sorted(first.files.parsed)).toEqual(sorted([...DOCUMENTS, "hours.md"]));
    expect(first.files.reused).toEqual([]);
    // One kept parse per document; text formats are parsed every time and not kept.
    expect((await parsedEntries()).names).toHaveLength(DOCUMENTS.length);
  });

  it("reuses the unchanged documents when another file changes, linking their kept parses into the new version", async () => {
    const before = await parsedEntries();
    const sourcesBefore = [...(await loadIndex(indexDir, local)).sources.values()].filter((source) => source.file !== "hours.md");
    // A touched file with the same bytes is unchanged too.
    await utimes(path.join(knowledgeDir, "clinic-guide.docx"), new Date(), new Date());
    await writeFile(path.join(knowledgeDir, "hours.md"), "# 门诊时间\n\n门诊周一至周六开放。\n");
    const second = await build();
    expect(second.summary.changed).toEqual(["hours.md"]);
    expect(second.files.parsed).toEqual(["hours.md"]);
    expect(sorted(second.files.reused)).toEqual(sorted(DOCUMENTS));
    const after = await parsedEntries();
    expect(after.directory).not.toBe(before.directory);
    expect(after.names).toEqual(before.names);
    for (const name of after.names) {
      // The same inode: linked, not rewritten.
      expect((await stat(path.join(after.directory, name))).ino).toBe((await stat(path.join(before.directory, name))).ino);
    }
    // The reused parses give exactly the sources a parse gave, and the new version loads (every file checked).
    const loaded = await loadIndex(indexDir, local);
    expect([...loaded.sources.values()].filter((source) => source.file !== "hours.md")).toEqual(sourcesBefore);
    expect(loaded.manifest.files.filter((file) => file.path.startsWith("parsed/"))).toHaveLength(DOCUMENTS.length);
  });

  it("parses a changed document again and reuses the others", async () => {
    await writeFile(path.join(knowledgeDir, "clinic-guide.docx"), docxBytes(DOCX_BODY.replace("周末仅开放急诊。", "周末也可以挂号。"), "挂号指南"));
    const third = await build();
    expect(third.summary.changed).toEqual(["clinic-guide.docx"]);
    expect(sorted(third.files.parsed)).toEqual(["clinic-guide.docx", "hours.md"]);
    expect(sorted(third.files.reused)).toEqual(["faq-workbook.xlsx", "patient-handbook.pdf"]);
    const loaded = await loadIndex(indexDir, local);
    expect([...loaded.sources.values()].find((source) => source.file === "clinic-guide.docx")?.title).toBe("挂号指南");
    // The old parse of the docx is gone from the new version; the new one is kept in its place.
    expect((await parsedEntries()).names).toHaveLength(DOCUMENTS.length);
  });

  it("publishes a new version for a synonyms change, without parsing the documents again", async () => {
    const before = await readCurrentVersion(indexDir);
    await writeFile(path.join(knowledgeDir, "synonyms.txt"), "开门 开放\n");
    const result = await build();
    expect(result.summary.version).not.toBe(before);
    expect(result.files.parsed).toEqual(["hours.md"]);
    expect(sorted(result.files.reused)).toEqual(sorted(DOCUMENTS));
    expect((await loadIndex(indexDir, local)).manifest.synonyms).toEqual([["开门", "开放"]]);
  });

  it("parses a document again when its kept parse is damaged, instead of trusting it", async () => {
    const { names, directory } = await parsedEntries();
    // Replaced, not written in place: the older version links the same inode and must stay whole.
    const victim = path.join(directory, names[0]);
    const bytes = await readFile(victim);
    await rm(victim);
    await writeFile(
      victim,
      Buffer.concat([bytes.subarray(0, bytes.length - 2), Buffer.from("]}")])
        .toString()
        .replace(/"text":"/, '"text":"X'),
    );
    await writeFile(path.join(knowledgeDir, "hours.md"), "# 门诊时间\n\n门诊每天开放。\n");
    const result = await build();
    expect(result.files.parsed).toHaveLength(2);
    expect(result.files.reused).toHaveLength(DOCUMENTS.length - 1);
    await expect(loadIndex(indexDir, local)).resolves.toBeDefined();
  });

  it("parses everything again on --full", async () => {
    const result = await build(true);
    expect(sorted(result.files.parsed)).toEqual(sorted([...DOCUMENTS, "hours.md"]));
    expect(result.files.reused).toEqual([]);
  });
});
