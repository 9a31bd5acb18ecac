/**
 * What both chat surfaces do with a user's words: an admin command, a help text for an empty
 * message, or a question for the knowledge bot. Failures become a polite reply, never silence.
 */
import type { Logger } from "pino";
import type { KnowledgeBot } from "../../src/core/knowledge-bot.js";
import type { Answer } from "../../src/core/types.js";
import { parseAdminCommand, runAdminCommand } from "./admin-commands.js";

/** A reply before platform limits are applied: an answer to render, or ready markdown. */
export type Reply = { kind: "answer"; answer: Answer } | { kind: "notice"; markdown: string };

export interface QuestionInput {
  text: string;
  userId: string;
  /** Group chat id for AI-bot group messages. */
  chatId?: string;
}

export interface QuestionResponder {
  respond(input: QuestionInput): Promise<Reply>;
}

export const FAILURE_REPLY = "抱歉，暂时无法回答这个问题，请稍后再试。";

export function createQuestionResponder(options: {
  bot: KnowledgeBot;
  adminUserIds: readonly string[];
  maxQuestionChars: number;
  logger: Logger;
}): QuestionResponder {
  const { bot, adminUserIds, maxQuestionChars, logger } = options;

  function helpText(): string {
    const examples = bot.exampleQuestions(3);
    const lines = ["您好！请直接输入问题，我会从知识库中查找答案并注明出处。"];
    if (examples.length > 0) lines.push("例如：", ...examples.map((question) => `- ${question}`));
    return lines.join("\n");
  }

  async function respond(input: QuestionInput): Promise<Reply> {
    const text = input.text.trim();
    try {
      if (!text) return { kind: "notice", markdown: helpText() };
      const command = parseAdminCommand(text);
      if (command) return { kind: "notice", markdown: await runAdminCommand(command, input.userId, adminUserIds, bot) };
      if (text.length > maxQuestionChars) {
        return { kind: "notice", markdown: `问题太长了，请控制在 ${maxQuestionChars} 个字以内。` };
      }
      const answer = await bot.answer({ text, platform: "wecom", userId: input.userId, chatId: input.chatId });
      return { kind: "answer", answer };
    } catch (error) {
      logger.error({ err: error, userId: input.userId }, "wecom: answering failed");
      return { kind: "notice", markdown: FAILURE_REPLY };
    }
  }

  return { respond };
}
