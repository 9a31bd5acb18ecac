/**
 * A real `KnowledgeBot` for tests: a real HNSW index built on disk, in a temporary folder, from the
 * project's knowledge folder (the seed page) or another folder a test names.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import type { Answer, Platform } from "../../src/core/types.js";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SEED_KNOWLEDGE_DIR = path.join(PROJECT_ROOT, "knowledge");
export const SHARED_DIR = path.resolve(PROJECT_ROOT, "../shared");

export interface TestKnowledgeBotOptions {
  knowledgeDir?: string;
  publicBaseUrl?: string;
  rewriteAnswer?: (answer: Answer, question: string) => Promise<Answer>;
  platformAnswerMaxChars?: Partial<Record<Platform, number>>;
}

export async function createTestKnowledgeBot(
  options: TestKnowledgeBotOptions = {},
): Promise<{ bot: LocalKnowledgeBot; indexDir: string; cleanup(): Promise<void> }> {
  const indexDir = await mkdtemp(path.join(os.tmpdir(), "kb-test-index-"));
  const bot = await LocalKnowledgeBot.open(
    {
      knowledgeDir: options.knowledgeDir ?? SEED_KNOWLEDGE_DIR,
      indexDir,
      embedder: { kind: "local", batchSize: 64 },
      publicBaseUrl: options.publicBaseUrl ?? "http://127.0.0.1:3000",
      rewriteAnswer: options.rewriteAnswer,
      platformAnswerMaxChars: options.platformAnswerMaxChars,
    },
    { buildIfMissing: true },
  );
  return { bot, indexDir, cleanup: () => rm(indexDir, { recursive: true, force: true }) };
}
