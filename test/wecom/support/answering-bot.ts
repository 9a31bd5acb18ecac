/**
 * The KnowledgeBot used on the answer path of the flow tests, wrapped to count what it was asked.
 */
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import { MEDICAL_DISCLAIMER } from "../../../src/core/medical-disclaimer.js";
import type { Answer, Query } from "../../../src/core/types.js";
import { createScriptedKnowledgeBot } from "./scripted-knowledge-bot.js";

export const DISCLAIMER_QUESTION = "亲情账户和家庭共济账户有什么区别";

export interface AnsweringBot {
  bot: KnowledgeBot;
  /** Every answer the bot gave, in order. */
  answers: { query: Query; answer: Answer }[];
  questionCount(): number;
  lastQuestion(): Query | undefined;
  questionsFrom(userId: string): number;
  cleanup(): Promise<void>;
}

async function createInnerBot(): Promise<{ bot: KnowledgeBot; cleanup(): Promise<void> }> {
  const scripted = createScriptedKnowledgeBot({
    answer: async () => ({
      text: `“亲情账户是电子凭证共享工具。”[1]\n\n${MEDICAL_DISCLAIMER}`,
      passages: [],
      citations: [{ n: 1, sourceId: "a.txt", title: "职工医保亲情账户和共济账户区别", url: "http://127.0.0.1/kb/a.txt" }],
      disclaimer: true,
      related: [],
      noAnswer: false,
    }),
  });
  return { bot: scripted, cleanup: async () => {} };
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
    questionsFrom: (userId) => answers.filter((entry) => entry.query.userId === userId).length,
    cleanup: () => inner.cleanup(),
  };
}
