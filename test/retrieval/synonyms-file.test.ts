/**
 * The admin's synonym list: `synonyms.txt` at the root of the knowledge folder is read at each
 * re-index (never indexed as a source), its groups are stored with the index version, and the next
 * loaded version searches and judges coverage with them — no restart. Bad lines are reported by
 * number and skipped; the other groups apply.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
let work: string;
const knowledgeDir = () => path.join(work, "knowledge");
const indexDir = () => path.join(work, "index");

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-synonyms-file-"));
  await mkdir(knowledgeDir());
  await cp(path.join(PROJECT_ROOT, "test/fixtures/insurance-exam-nursing-faq.csv"), path.join(knowledgeDir(), "faq.csv"));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe("synonyms.txt in the knowledge folder", () => {
  it("applies at the next re-index: a lay word the folder lacks is then covered by its formal synonym", async () => {
    await buildIndex({ knowledgeDir: knowledgeDir(), indexDir: indexDir(), embedder: local });
    const before = await retrieve(await loadIndex(indexDir(), local), "体检前要饿肚子吗");
    expect(before.noAnswer).toBe(true);
    expect(before.missingSubject).toBe("饿肚子");

    await writeFile(path.join(knowledgeDir(), "synonyms.txt"), "# 管理员的同义词\n空腹 饿肚子\n补办 重办/重新办\n这一行 只有 一个词 和 标点！\n");
    const { summary, problems } = await buildIndex({ knowledgeDir: knowledgeDir(), indexDir: indexDir(), embedder: local });
    // Only the synonyms changed, and that is enough for a new version; the list itself is no source.
    expect(summary.version).not.toBeNull();
    expect(summary.sources).toBe(10);
    expect(problems.filter((problem) => problem.file === "synonyms.txt").map((problem) => problem.line)).toEqual([4]);

    const index = await loadIndex(indexDir(), local);
    expect(index.manifest.synonyms).toEqual([
      ["空腹", "饿肚子"],
      ["补办", "重办", "重新办"],
    ]);
    const after = await retrieve(index, "体检前要饿肚子吗");
    expect(after.noAnswer, JSON.stringify(after.confidence)).toBe(false);
    expect(after.hits[0].sourceId).toBe("exam-fasting");
    const lost = await retrieve(index, "医保卡弄丢了咋重办");
    expect(lost.noAnswer, JSON.stringify(lost.confidence)).toBe(false);
    expect(lost.hits[0].sourceId).toBe("medical-card-lost");
  });

  it("keeps the version when neither the sources nor the synonyms changed", async () => {
    const first = await buildIndex({ knowledgeDir: knowledgeDir(), indexDir: indexDir(), embedder: local });
    const second = await buildIndex({ knowledgeDir: knowledgeDir(), indexDir: indexDir(), embedder: local });
    expect(second.summary.version).toBe(first.summary.version);
  });
});
