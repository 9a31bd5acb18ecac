/**
 * What resolving follow-ups adds to retrieval, on the medqa conversation set: `retrieve` p50 of the
 * last messages asked alone, and of the same messages with their earlier turns (resolution, then
 * retrieval on the resolved question as `LocalKnowledgeBot.answer` runs it), and resolution alone.
 */
import { percentile, readEvaluationConversations } from "../src/cli/evaluate.js";
import { resolveFollowUp } from "../src/retrieval/resolve-follow-up.js";
import type { KnowledgeBot } from "../src/core/knowledge-bot.js";
import type { ConversationTurn } from "../src/core/types.js";
import { retrieve } from "../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../src/store/loaded-index.js";

const ROUNDS = 20;

export async function benchFollowUpCost(index: LoadedIndex, conversationFile: string, bot?: Pick<KnowledgeBot, "answer">): Promise<Record<string, number>> {
  const conversations = await readEvaluationConversations(conversationFile);
  // Earlier turns as the responder remembers them: each resolved in turn, citing what retrieval found.
  const cases: { message: string; history: ConversationTurn[] }[] = [];
  for (const { turns } of conversations) {
    const history: ConversationTurn[] = [];
    for (const [position, question] of turns.slice(0, -1).entries()) {
      const resolution = resolveFollowUp(index.keywordIndex, question, history);
      const result = await retrieve(index, resolution.question, 10);
      history.push({ question, resolvedQuestion: resolution.question, citedSourceIds: result.noAnswer ? [] : [result.hits[0].sourceId], at: position });
    }
    cases.push({ message: turns.at(-1)!, history });
  }
  const alone: number[] = [];
  const withMemory: number[] = [];
  const resolving: number[] = [];
  const answerAlone: number[] = [];
  const answerWithMemory: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const { message, history } of cases) {
      if (bot) {
        // The whole answer path, including the second retrieval when a rewrite found nothing about the follow-up.
        let answerStarted = performance.now();
        await bot.answer({ text: message, platform: "eval" });
        answerAlone.push(performance.now() - answerStarted);
        answerStarted = performance.now();
        await bot.answer({ text: message, platform: "eval", history });
        answerWithMemory.push(performance.now() - answerStarted);
      }
      let started = performance.now();
      await retrieve(index, message, 10);
      alone.push(performance.now() - started);
      started = performance.now();
      const resolution = resolveFollowUp(index.keywordIndex, message, history);
      resolving.push(performance.now() - started);
      await retrieve(index, resolution.question, resolution.rewritten ? 30 : 10);
      withMemory.push(performance.now() - started);
    }
  }
  const p50 = (values: number[]) =>
    +percentile(
      [...values].sort((left, right) => left - right),
      0.5,
    ).toFixed(3);
  return {
    conversations: cases.length,
    retrieveAloneP50Ms: p50(alone),
    retrieveWithResolutionP50Ms: p50(withMemory),
    addedP50Ms: +(p50(withMemory) - p50(alone)).toFixed(3),
    resolveP50Ms: p50(resolving),
    resolveP99Ms: +percentile(
      [...resolving].sort((left, right) => left - right),
      0.99,
    ).toFixed(3),
    ...(bot ? { answerAloneP50Ms: p50(answerAlone), answerWithMemoryP50Ms: p50(answerWithMemory) } : {}),
  };
}
