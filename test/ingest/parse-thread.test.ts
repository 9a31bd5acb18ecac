/**
 * The parse thread gives exactly what parsing on the calling thread gives (same sources in the same
 * order, same problems), caps its heap with MAX_PARSE_HEAP_MB (the file is reported by name and the
 * next one is parsed by a fresh worker), and starts both from source (here, under vitest: the .ts
 * worker through tsx) and from compiled JavaScript (as `npm start` and `kb` run it: the .js worker,
 * plain Node), which the last test checks by compiling src/ and loading a folder in a child process.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_INDEX_LIMITS } from "../../src/ingest/index-limits.js";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { parseFile } from "../../src/ingest/parse-file.js";
import { hasIdleWorker, ParseThread } from "../../src/ingest/parse-thread.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";

const FIXTURES = path.join(PROJECT_ROOT, "test/fixtures");
const DOCUMENTS = ["documents/patient-handbook.pdf", "documents/clinic-guide.docx", "documents/faq-workbook.xlsx", "documents/health-talk.pptx"];
const scratch: string[] = [];
afterAll(() => Promise.all(scratch.map((folder) => rm(folder, { recursive: true, force: true }))));

/** A FAQ table of `rows` rows, every hundredth one with a missing answer (a problem per such row). */
function table(rows: number): string {
  const lines = ["id,question,answer"];
  for (let row = 0; row < rows; row++) lines.push(`row-${row},问题${row}怎么办,${row % 100 === 7 ? "" : `答案${row}：到窗口办理。`}`);
  return `${lines.join("\n")}\n`;
}

describe("the parse thread", () => {
  it("gives the same sources, in the same order, and the same problems as parsing here", async () => {
    const files: [string, Buffer][] = [
      ...(await Promise.all(DOCUMENTS.map(async (name) => [path.basename(name), await readFile(path.join(FIXTURES, name))] as [string, Buffer]))),
      ["table.csv", Buffer.from(table(5000))],
      ["medical-faq.csv", await readFile(path.join(FIXTURES, "medical-faq.csv"))],
    ];
    const thread = new ParseThread();
    try {
      for (const [file, bytes] of files) {
        const here = await parseFile(bytes, file, DEFAULT_INDEX_LIMITS);
        const there = await thread.parse(bytes, file, DEFAULT_INDEX_LIMITS);
        expect(there.sources.length, file).toBeGreaterThan(0);
        expect(there, file).toEqual(here);
      }
    } finally {
      await thread.close();
    }
  }, 120_000);

  it("reports a file whose parse needs more heap than MAX_PARSE_HEAP_MB and parses the next one", async () => {
    const limits = { ...DEFAULT_INDEX_LIMITS, maxParseHeapMb: 64 };
    const thread = new ParseThread();
    try {
      const large = await thread.parse(Buffer.from(table(300_000)), "large.csv", limits);
      expect(large).toEqual({
        sources: [],
        problems: [expect.objectContaining({ code: "SOURCE_TOO_LARGE", file: "large.csv", message: expect.stringContaining("MAX_PARSE_HEAP_MB") })],
      });
      const next = await thread.parse(Buffer.from(table(10)), "small.csv", limits);
      expect(next.sources).toHaveLength(9);
    } finally {
      await thread.close();
    }
  }, 120_000);

  it("keeps its worker for the next load after small files, and ends it after a large one", async () => {
    const small = new ParseThread();
    await small.parse(Buffer.from(table(100)), "small.csv", DEFAULT_INDEX_LIMITS);
    await small.close();
    expect(hasIdleWorker()).toBe(true);
    // A 17 MB page: whatever the parse makes of it, the worker's heap held it, and it is not kept.
    const large = new ParseThread();
    await large.parse(Buffer.alloc(17 * 1024 * 1024, "页"), "large.txt", DEFAULT_INDEX_LIMITS);
    await large.close();
    expect(hasIdleWorker()).toBe(false);
  }, 120_000);

  it("runs from compiled JavaScript with plain Node, giving the same folder as from source", async () => {
    const knowledgeDir = await mkdtemp(path.join(os.tmpdir(), "kb-parse-thread-"));
    scratch.push(knowledgeDir);
    for (const name of DOCUMENTS) await copyFile(path.join(FIXTURES, name), path.join(knowledgeDir, path.basename(name)));
    await writeFile(path.join(knowledgeDir, "table.csv"), table(8000));
    await writeFile(path.join(knowledgeDir, "page.md"), "# 门诊报销\n\n门诊费用可以按比例报销。\n");

    // Inside node_modules/, so the compiled files find the project's packages as dist/ does.
    const compiled = path.join(PROJECT_ROOT, "node_modules/.cache", `kb-parse-thread-${process.pid}`);
    scratch.push(compiled);
    await compileSources(path.join(PROJECT_ROOT, "src"), path.join(compiled, "src"));
    const script = path.join(compiled, "load.mjs");
    await writeFile(
      script,
      `import { loadKnowledge } from "./src/ingest/load-knowledge.js";\nprocess.stdout.write(JSON.stringify(await loadKnowledge(${JSON.stringify(knowledgeDir)})));\n`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [script], { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: "" } });
    const fromCompiled = JSON.parse(stdout) as Awaited<ReturnType<typeof loadKnowledge>>;
    const fromSource = await loadKnowledge(knowledgeDir);
    expect(fromCompiled.sources.length).toBeGreaterThan(7900);
    expect(fromCompiled).toEqual(JSON.parse(JSON.stringify(fromSource)));
  }, 180_000);
});

/** Every .ts file under `from` as an ES module .js file under `to`, types stripped (no type check: tsc does that). */
async function compileSources(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) await compileSources(source, path.join(to, entry.name));
    else if (entry.name.endsWith(".ts")) {
      const { outputText } = ts.transpileModule(await readFile(source, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: entry.name,
      });
      await writeFile(path.join(to, entry.name.replace(/\.ts$/, ".js")), outputText);
    }
  }
}
