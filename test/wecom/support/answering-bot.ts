/**
 * The KnowledgeBot on the answer path of the flow tests: the real one, over a real index of the
 * seed knowledge, wrapped to record what it was asked and what it answered.
 */
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import type { Answer, Query } from "../../../src/core/types.js";
import { createTestKnowledgeBot } from "../../support/test-knowledge-bot.js";

export const DISCLAIMER_QUESTION = "亲情账户和家庭共济账户有什么区别";

export interface AnsweringBot {
  bot: KnowledgeBot;
  /** Every answer the bot gave, in order. */
  answers: { query: Query; answer: Answer }[];
  questionCount(): number;
  lastQuestion(): Query | undefined;
  /** How many times the bot was asked exactly `text` (queries carry no user: a test gives its users words of their own). */
  questionsAbout(text: string): number;
  cleanup(): Promise<void>;
}

async function createInnerBot(): Promise<{ bot: KnowledgeBot; cleanup(): Promise<void> }> {
  // A real index built from the seed page in a temporary folder.
  return createTestKnowledgeBot();
}

export async function createAnsweringBot(): Promise<AnsweringBot> {
  const inner = await createInnerBot();
  const answers: { query: Query; answer: Answer }[] = [];
  const bot: KnowledgeBot = {
    async answer(query) {
      const answer = await inner.bot.answer(query);
      answers.push({ query, answer });
      return answer;
    },
    search: (text, limit) => inner.bot.search(text, limit),
    reindex: (options) => inner.bot.reindex(options),
    stats: () => inner.bot.stats(),
    exampleQuestions: (limit) => inner.bot.exampleQuestions(limit),
    on: (listener) => inner.bot.on(listener),
  };
  return {
    bot,
    answers,
    questionCount: () => answers.length,
    lastQuestion: () => answers.at(-1)?.query,
    questionsAbout: (text) => answers.filter((entry) => entry.query.text === text).length,
    cleanup: () => inner.cleanup(),
  };
}
