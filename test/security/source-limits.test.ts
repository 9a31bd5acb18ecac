/**
 * Every size a knowledge file controls is bounded with a clear error: bytes per file (checked with
 * stat before reading), chunks per re-index (refused before embedding, serving version untouched),
 * front matter bytes (checked before parsing), and the length of titles, categories, tags and URLs.
 */
import { mkdir, mkdtemp, open, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { buildIndex, type ReindexProgress } from "../../src/ingest/build-index.js";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { readCurrentVersion, versionsDirectory } from "../../src/store/index-layout.js";

let work: string;
afterEach(() => rm(work, { recursive: true, force: true }));

async function folderWith(files: Record<string, string>): Promise<{ knowledgeDir: string; indexDir: string }> {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-source-limits-"));
  const knowledgeDir = path.join(work, "knowledge");
  await mkdir(knowledgeDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(knowledgeDir, name), content);
  return { knowledgeDir, indexDir: path.join(work, "index") };
}

/** The limits as configured from the environment, the way the server and `kb` get them. */
function limitsFrom(environment: Record<string, string>) {
  return loadConfig({ KNOWLEDGE_DIR: work, INDEX_DIR: path.join(work, "index"), ...environment }).limits;
}

const EMBEDDER = { kind: "local", batchSize: 64 } as const;
const page = (title: string, body: string) => `# ${title}\n\n${body}\n`;

describe("bytes per file (MAX_FILE_BYTES)", () => {
  it("refuses a file over the limit by name and size without reading it, and indexes the rest", async () => {
    const { knowledgeDir, indexDir } = await folderWith({
      "good.md": page("门诊报销", "门诊费用可以按比例报销。"),
      "big.md": page("大文件", "很长的内容。".repeat(400)),
    });
    // A sparse 4 GiB file: reading it into memory would fail (or exhaust it); stat alone refuses it.
    const huge = await open(path.join(knowledgeDir, "huge.txt"), "w");
    await huge.truncate(4 * 1024 ** 3);
    await huge.close();

    const limits = limitsFrom({ MAX_FILE_BYTES: "2048" });
    expect(limits.maxFileBytes).toBe(2048);
    const { summary, problems } = await buildIndex({ knowledgeDir, indexDir, embedder: EMBEDDER, limits });
    expect(summary.added).toEqual(["good.md"]);
    const bigSize = Buffer.byteLength(page("大文件", "很长的内容。".repeat(400)));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: "big.md",
          code: "SOURCE_TOO_LARGE",
          severity: "error",
          message: expect.stringContaining(`${bigSize} bytes`),
          hint: expect.stringContaining("MAX_FILE_BYTES"),
        }),
        expect.objectContaining({ file: "huge.txt", code: "SOURCE_TOO_LARGE", message: expect.stringContaining(`${4 * 1024 ** 3} bytes`) }),
      ]),
    );
    expect(problems.find((problem) => problem.file === "big.md")!.message).toMatch(/limit of 2048 bytes \(MAX_FILE_BYTES\)/);
    expect(problems).toHaveLength(2);
  });
});

describe("chunks per re-index (MAX_CHUNKS)", () => {
  it("refuses a build over the limit before embedding starts, and keeps serving the previous version", async () => {
    const { knowledgeDir, indexDir } = await folderWith({ "a.md": page("甲", "第一篇内容。"), "b.md": page("乙", "第二篇内容。") });
    const limits = limitsFrom({ MAX_CHUNKS: "3" });
    const first = await buildIndex({ knowledgeDir, indexDir, embedder: EMBEDDER, limits });
    expect(first.summary.chunks).toBe(2);
    const serving = await readCurrentVersion(indexDir);
    const versionsBefore = await readdir(versionsDirectory(indexDir));

    for (const name of ["c", "d", "e"]) await writeFile(path.join(knowledgeDir, `${name}.md`), page(name, `${name} 的内容。`));
    for (const full of [false, true]) {
      const phases: ReindexProgress["phase"][] = [];
      const build = buildIndex({ knowledgeDir, indexDir, embedder: EMBEDDER, limits, full, onProgress: (progress) => phases.push(progress.phase) });
      await expect(build).rejects.toMatchObject({
        code: "INDEX_TOO_LARGE",
        message: expect.stringMatching(/would hold 5 chunks, more than the limit of 3 \(MAX_CHUNKS\)/),
        hint: expect.stringContaining("MAX_CHUNKS"),
      });
      expect(phases).toContain("loading");
      expect(phases).not.toContain("embedding");
      expect(phases).not.toContain("writing");
    }
    expect(await readCurrentVersion(indexDir)).toBe(serving);
    expect(await readdir(versionsDirectory(indexDir))).toEqual(versionsBefore);
  });
});

describe("front matter bytes (MAX_FRONT_MATTER_BYTES)", () => {
  it("refuses over-long front matter before parsing it, naming the size and the variable", async () => {
    // Invalid YAML too: the size check must come first, so the report is about size, not syntax.
    const longFrontMatter = `---\ntitle: [unclosed\nnote: ${"长".repeat(200)}\n---\n正文。\n`;
    const { knowledgeDir } = await folderWith({ "long.md": longFrontMatter, "good.md": "---\ntitle: 好\n---\n正文。\n" });
    const { sources, problems } = await loadKnowledge(knowledgeDir, limitsFrom({ MAX_FRONT_MATTER_BYTES: "256" }));
    expect(sources.map((source) => source.sourceId)).toEqual(["good.md"]);
    expect(problems).toEqual([
      expect.objectContaining({
        file: "long.md",
        code: "SOURCE_TOO_LARGE",
        message: expect.stringMatching(/front matter is \d+ bytes, more than the limit of 256 bytes \(MAX_FRONT_MATTER_BYTES\)/),
        hint: expect.stringContaining("MAX_FRONT_MATTER_BYTES"),
      }),
    ]);
  });
});

describe("bounded fields", () => {
  it("shortens over-long titles, categories and tags with a warning, and leaves out an over-long url", async () => {
    const tags = Array.from({ length: 30 }, (_, index) => `标签${index}${"签".repeat(60)}`);
    const { knowledgeDir } = await folderWith({
      "long-fields.md": `---\ntitle: ${"题".repeat(500)}\ncategory: ${"类".repeat(300)}\ntags: [${tags.join(", ")}]\n---\n正文。\n`,
      "long-url.md": `---\ntitle: 链接\nurl: https://example.org/${"a".repeat(3000)}\n---\n正文。\n`,
      "faq.csv": `id,question,answer\nq1,${"问".repeat(400)},答案。\n`,
    });
    const { sources, problems } = await loadKnowledge(knowledgeDir);
    const byId = new Map(sources.map((source) => [source.sourceId, source]));
    expect([...byId.keys()].sort()).toEqual(["long-fields.md", "q1"]);

    const fields = byId.get("long-fields.md")!;
    expect(fields.title).toBe("题".repeat(200));
    expect(fields.category).toBe("类".repeat(100));
    expect(fields.tags).toHaveLength(20);
    expect(fields.tags![0]).toBe(`标签0${"签".repeat(47)}`);
    expect(fields.tags!.every((tag) => tag.length <= 50)).toBe(true);
    // Every parser's output is bounded, not only Markdown's.
    expect(byId.get("q1")!.title).toBe("问".repeat(200));

    const warnings = problems.filter((problem) => problem.severity === "warning");
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: "long-fields.md", message: expect.stringMatching(/title is 500 characters, more than the limit of 200/) }),
        expect.objectContaining({ file: "long-fields.md", message: expect.stringMatching(/category is 300 characters, more than the limit of 100/) }),
        expect.objectContaining({ file: "long-fields.md", message: expect.stringMatching(/30 tags, more than the limit of 20/) }),
        expect.objectContaining({ file: "long-fields.md", message: expect.stringMatching(/tags longer than 50 characters/) }),
        expect.objectContaining({ file: "faq.csv", message: expect.stringMatching(/title is 400 characters.*source "q1"/) }),
      ]),
    );
    expect(problems.filter((problem) => problem.severity === "error")).toEqual([
      expect.objectContaining({
        file: "long-url.md",
        code: "SOURCE_MALFORMED",
        message: expect.stringMatching(/url is \d+ characters, more than the limit of 2048/),
      }),
    ]);
  });
});
