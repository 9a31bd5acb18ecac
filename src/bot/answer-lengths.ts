/**
 * How long a retrieval answer may be on each platform: a platform's own setting
 * (TELEGRAM_ANSWER_MAX_CHARS, WECOM_ANSWER_MAX_CHARS) or else ANSWER_MAX_CHARS, so a group chat can
 * get shorter replies than the web page without the bot knowing any platform's settings.
 */
import type { Platform } from "../core/types.js";
import type { LocalKnowledgeBotOptions } from "./local-knowledge-bot.js";

/** What is read here: the app configuration fits, each platform's settings slice under its name. */
export type AnswerLengthSettings = { answerMaxChars: number } & Partial<Record<Platform, { answerMaxChars?: number }>>;

export function answerLengths(config: AnswerLengthSettings): Pick<LocalKnowledgeBotOptions, "answerMaxChars" | "platformAnswerMaxChars"> {
  return {
    answerMaxChars: config.answerMaxChars,
    platformAnswerMaxChars: { telegram: config.telegram?.answerMaxChars, wecom: config.wecom?.answerMaxChars },
  };
}
