/**
 * A few hundred bytes of YAML anchors and aliases (`&a [*a, *a, …]`, nested) expand to billions of
 * values. Front matter aliases are capped, so such a file is SOURCE_MALFORMED before anything is
 * expanded, the rest of the folder indexes, and the stored sources stay small.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { INDEX_FILES, readCurrentVersion, versionDirectory } from "../../src/store/index-layout.js";

/** `levels` nested lists of nine aliases each, the last one as `tags`: 9^levels strings once expanded. */
function aliasBomb(levels: number): string {
  const names = "abcdefghijklmnop".split("");
  const lines = [`${names[0]}: &${names[0]} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  for (let level = 1; level < levels; level++) {
    const key = level === levels - 1 ? "tags" : names[level];
    lines.push(
      `${key}: &${names[level]} [${Array(9)
        .fill(`*${names[level - 1]}`)
        .join(",")}]`,
    );
  }
  return `---\ntitle: 笑\n${lines.join("\n")}\n---\n# 笑\n\n正文。\n`;
}

let work: string;
afterEach(() => rm(work, { recursive: true, force: true }));

async function folderWith(files: Record<string, string>): Promise<{ knowledgeDir: string; indexDir: string }> {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-alias-bomb-"));
  const knowledgeDir = path.join(work, "knowledge");
  await mkdir(knowledgeDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(knowledgeDir, name), content);
  return { knowledgeDir, indexDir: path.join(work, "index") };
}

const GOOD_PAGE = "# 门诊报销\n\n门诊费用可以按比例报销，需要带上医保卡。\n";

describe("YAML alias bomb in front matter", () => {
  it("the nine-level bomb (about 400 bytes) is SOURCE_MALFORMED, while a few aliases stay ordinary YAML and the rest loads", async () => {
    const bomb = aliasBomb(9);
    expect(Buffer.byteLength(bomb)).toBeLessThan(450);
    const { knowledgeDir } = await folderWith({
      "bomb.md": bomb,
      "aliases.md": "---\ntitle: &name 报销指南\ncategory: *name\ntags: [医保, *name]\n---\n门诊费用可以报销。\n",
      "good.md": GOOD_PAGE,
    });
    const { sources, problems } = await loadKnowledge(knowledgeDir);
    expect(sources.map((source) => source.sourceId)).toEqual(["aliases.md", "good.md"]);
    expect(sources[0]).toMatchObject({ title: "报销指南", category: "报销指南", tags: ["医保", "报销指南"] });
    expect(problems).toEqual([
      expect.objectContaining({
        file: "bomb.md",
        code: "SOURCE_MALFORMED",
        severity: "error",
        message: expect.stringMatching(/front matter.*alias/i),
        hint: expect.stringMatching(/alias/),
      }),
    ]);
  });

  it("a re-index with the eight- and nine-level bombs refuses both and writes a small sources.json", async () => {
    const { knowledgeDir, indexDir } = await folderWith({ "bomb-8.md": aliasBomb(8), "bomb-9.md": aliasBomb(9), "good.md": GOOD_PAGE });
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: { kind: "local", batchSize: 64 } });
    expect(summary.added).toEqual(["good.md"]);
    expect(summary.errors).toEqual([
      expect.objectContaining({ file: "bomb-8.md", code: "SOURCE_MALFORMED" }),
      expect.objectContaining({ file: "bomb-9.md", code: "SOURCE_MALFORMED" }),
    ]);
    const version = await readCurrentVersion(indexDir);
    const sourcesFile = await stat(path.join(versionDirectory(indexDir, version!), INDEX_FILES.sources));
    // Only good.md is stored; the eight-level bomb alone expanded to about 172 MB.
    expect(sourcesFile.size).toBeLessThan(4096);
  });
});
