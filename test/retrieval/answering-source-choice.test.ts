/**
 * Which source answers a short question on a small folder: one that holds something of what is asked
 * besides the place (a page on 五指山's sights does not answer "海南医保去外省能用吗"), and ranked without
 * the synonyms of a word nearly every row holds (医保 → 基本医疗保险 lifted the row on paying premiums
 * above the one on checking the balance).
 */
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
const work = await mkdtemp(path.join(os.tmpdir(), "kb-answering-source-"));
afterAll(() => rm(work, { recursive: true, force: true }));

async function folderOf(file: string) {
  const directory = path.join(work, path.basename(file));
  await mkdir(path.join(directory, "knowledge"), { recursive: true });
  await cp(path.join(PROJECT_ROOT, file), path.join(directory, "knowledge", path.basename(file)));
  await buildIndex({ knowledgeDir: path.join(directory, "knowledge"), indexDir: path.join(directory, "index"), embedder: local });
  return loadIndex(path.join(directory, "index"), local);
}

describe("the source a short question is answered from", () => {
  it("holds a subject besides the place, found by the word, a synonym or the words of a phrase", { timeout: 60_000 }, async () => {
    const index = await folderOf("knowledge/000_9de61d0cf05b51f0.txt");
    const result = await retrieve(index, "海南医保去外省能用吗");
    expect(result.noAnswer).toBe(true);
    expect(result.missingSubject).toBe("海南");
    // A phrase of the synonym lists is found by its words: the page says 报销 and 比例, never 报销比例.
    const phrase = await retrieve(index, "共济以后门诊报销比例大概多少");
    expect(phrase.noAnswer).toBe(false);
    expect(phrase.hits[0].title).toBe("医保卡共济后门诊怎么报销");
    const covered = await retrieve(index, "吉林医保在陕西能用吗");
    expect(covered.noAnswer).toBe(false);
    expect(covered.hits[0].title).toBe("吉林省医保可以在陕西用吗");
  });

  it("is ranked without the synonyms of a word most rows hold", { timeout: 60_000 }, async () => {
    const index = await folderOf("test/fixtures/employee-account-faq.csv");
    const result = await retrieve(index, "手机上咋看医保余额");
    expect(result.noAnswer).toBe(false);
    expect(result.hits[0].sourceId).toBe("account-balance-check");
  });
});
