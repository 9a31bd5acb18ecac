/**
 * Follow-up understanding on the medqa corpus: the medqa conversation set (follow-ups, topic
 * switches, off-topic follow-ups) is answered clearly better with memory than with the last
 * message alone. The floors sit a little below the figures in docs/conversations.md (alone 0.476, with memory 0.810). An
 * answer cites one source since answers quote the best source's sentences (before, up to three
 * near-tied sources were cited and any of them counted: 0.524 and 0.905 on that looser measure).
 */
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import { evaluateConversations, readEvaluationConversations } from "../../src/cli/evaluate.js";
import { EVAL_DIR } from "./eval-dir.js";

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/conversations-medqa.jsonl");

let work: string;
let bot: LocalKnowledgeBot;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-eval-conversations-"));
  await mkdir(path.join(work, "knowledge"));
  await cp(path.join(EVAL_DIR, "corpus.csv"), path.join(work, "knowledge/corpus.csv"));
  bot = await LocalKnowledgeBot.open(
    {
      knowledgeDir: path.join(work, "knowledge"),
      indexDir: path.join(work, "index"),
      embedder: { kind: "local", batchSize: 64 },
      publicBaseUrl: "http://127.0.0.1:3000",
    },
    { buildIfMissing: true },
  );
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe("follow-up questions on the medqa corpus", () => {
  it("are answered clearly better with memory than alone, keeping topic switches and off-topic no-answers right", async () => {
    const conversations = await readEvaluationConversations(FIXTURE);
    expect(conversations.length).toBeGreaterThanOrEqual(20);
    const report = await evaluateConversations(bot, conversations);
    const measured = JSON.stringify({ alone: report.alone, withMemory: report.withMemory, rewritten: report.rewritten });
    console.info(`medqa conversations: ${measured}`);
    expect.soft(report.withMemory - report.alone, measured).toBeGreaterThanOrEqual(0.25);
    expect.soft(report.withMemory, measured).toBeGreaterThanOrEqual(0.78);
    for (const result of report.results.filter((entry) => /switch|off-topic/.test(entry.kind ?? "")))
      expect.soft(result.withMemory, result.turns.join(" → ")).toBe(true);
  });
});
