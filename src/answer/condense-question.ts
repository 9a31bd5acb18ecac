/**
 * Generative mode's reading of a follow-up: the chat model condenses the recent turns and the new
 * message into one standalone question, which retrieval then runs on. The model only rewrites the
 * question; the answer still comes from the passages.
 */
import type { ConversationTurn } from "../core/types.js";
import type { ChatCompletionsClient } from "./chat-completions-client.js";

/** Only the last few turns matter for what "它" or "那吉林呢" refers to, and they bound the prompt. */
export const CONDENSE_TURNS = 4;
/** A condensed question longer than this is not a question any more; the caller falls back. */
export const MAX_CONDENSED_CHARS = 200;

export type CondenseQuestion = (message: string, history: readonly ConversationTurn[]) => Promise<string>;

const INSTRUCTIONS =
  "你负责把对话中的追问改写成一个独立、完整的问题，供知识库检索使用。" +
  "只输出改写后的问题本身，不要回答，不要解释，不要加引号。" +
  "如果最新的问题本身已经完整、或与之前的对话无关，就原样输出它。";

export function createQuestionCondenser(client: ChatCompletionsClient): CondenseQuestion {
  return async (message, history) => {
    const recent = history.slice(-CONDENSE_TURNS);
    const transcript = recent.map((turn, position) => `${position + 1}. ${turn.resolvedQuestion}`).join("\n");
    const reply = await client.complete([
      { role: "system", content: INSTRUCTIONS },
      { role: "user", content: `之前的问题：\n${transcript}\n\n最新的问题：${message}\n\n改写后的问题：` },
    ]);
    const question = reply
      .trim()
      .split(/\r?\n/)[0]
      .replace(/^["“「『]|["”」』]$/g, "")
      .trim();
    if (question === "" || question.length > MAX_CONDENSED_CHARS)
      throw new Error(`the model's condensed question is ${question === "" ? "empty" : "too long"}`);
    return question;
  };
}
