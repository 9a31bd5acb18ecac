/**
 * Front matter is data: a `---js` or `---coffee` block in a knowledge file is refused as
 * SOURCE_MALFORMED and never run, whether the folder is indexed by `kb reindex`, by a dry run, or by
 * the server (on its first start and on POST /api/reindex). The other files still index.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../server/support/test-server.js";
import { runKb as kb } from "../support/run-kb.js";

/** A Markdown file whose front matter, if evaluated, writes `marker`. */
function codeFrontMatter(language: "js" | "coffee", marker: string): string {
  const write = `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`;
  const code = language === "js" ? `{title:(function(){${write};return "t"})()}` : `title: (-> ${write}; "t")()`;
  return `---${language}\n${code}\n---\n# x\n\n正文\n`;
}

const GOOD_PAGE = "---\ntitle: 门诊报销\n---\n门诊费用可以按比例报销，需要带上医保卡。\n";

let work: string;

async function knowledgeWithCode(): Promise<{ knowledgeDir: string; indexDir: string; markers: string[] }> {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-front-matter-code-"));
  const knowledgeDir = path.join(work, "knowledge");
  const markers = [path.join(work, "pwned-js"), path.join(work, "pwned-coffee")];
  await mkdir(knowledgeDir, { recursive: true });
  await writeFile(path.join(knowledgeDir, "x.md"), codeFrontMatter("js", markers[0]));
  await writeFile(path.join(knowledgeDir, "y.md"), codeFrontMatter("coffee", markers[1]));
  await writeFile(path.join(knowledgeDir, "good.md"), GOOD_PAGE);
  return { knowledgeDir, indexDir: path.join(work, "index"), markers };
}

const refused = (file: string) => expect.objectContaining({ file, code: "SOURCE_MALFORMED", message: expect.stringMatching(/front matter/) });

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(work, { recursive: true, force: true });
});

describe("code in front matter is never run", () => {
  it("kb reindex refuses ---js and ---coffee files by name and indexes the rest", async () => {
    const { knowledgeDir, indexDir, markers } = await knowledgeWithCode();
    const result = await kb(["reindex", "--knowledge", knowledgeDir, "--index", indexDir, "--json"]);
    for (const marker of markers) expect(existsSync(marker), marker).toBe(false);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.added).toEqual(["good.md"]);
    expect(summary.errors).toEqual(expect.arrayContaining([refused("x.md"), refused("y.md")]));
    expect(summary.version).toEqual(expect.any(String));

    // The plain-text report names each file and says what to do.
    const plain = await kb(["reindex", "--knowledge", knowledgeDir, "--index", indexDir, "--full"]);
    expect(plain.stderr).toMatch(/x\.md:1: front matter language `js` is not accepted.*\(SOURCE_MALFORMED\)\. Start the file with a plain `---` line/);
    expect(plain.stderr).toMatch(/y\.md:1: front matter language `coffee` is not accepted/);
    for (const marker of markers) expect(existsSync(marker), marker).toBe(false);
  });

  it("kb reindex --dry-run refuses them too", async () => {
    const { knowledgeDir, indexDir, markers } = await knowledgeWithCode();
    const result = await kb(["reindex", "--knowledge", knowledgeDir, "--index", indexDir, "--dry-run", "--json"]);
    for (const marker of markers) expect(existsSync(marker), marker).toBe(false);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ dryRun: true, added: ["good.md"] });
    expect(summary.errors).toEqual(expect.arrayContaining([refused("x.md"), refused("y.md")]));
  });

  it("the server's first build and POST /api/reindex refuse them and serve the rest", async () => {
    const { knowledgeDir, markers } = await knowledgeWithCode();
    server = await startTestServer({ knowledgeDir, environment: { ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
    for (const marker of markers) expect(existsSync(marker), marker).toBe(false);
    expect(server.bot.current.manifest.sources).toHaveProperty(["good.md"]);
    expect(server.bot.current.manifest.sources).not.toHaveProperty(["x.md"]);

    const laterMarker = path.join(work, "pwned-later");
    await writeFile(path.join(knowledgeDir, "later.md"), codeFrontMatter("js", laterMarker));
    await writeFile(path.join(knowledgeDir, "later-good.md"), "# 挂号须知\n\n请提前一天预约挂号。\n");
    const response = await server.post("/api/reindex", {}, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
    expect(response.status).toBe(200);
    const summary = await response.json();
    expect(summary.added).toEqual(["later-good.md"]);
    expect(summary.errors).toEqual(expect.arrayContaining([refused("later.md"), refused("x.md"), refused("y.md")]));
    for (const marker of [...markers, laterMarker]) expect(existsSync(marker), marker).toBe(false);
    expect(server.bot.current.version).toBe(summary.version);
  });
});
