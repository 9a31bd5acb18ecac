/**
 * Writes each answered (or unanswered) question to the state store, the one place every platform's
 * answer passes through (the responder calls it). What is kept: the question masked by the same
 * function as the logs, never the raw words; a hash of the conversation, never its key.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Answer, Platform } from "../core/types.js";
import { maskPersonalData } from "../core/mask-personal-data.js";
import { questionGroupKey } from "./question-group-key.js";
import type { ChatKind, StateStore } from "./state-store.js";

export interface QuestionLogEntry {
  /** The answer's id when the caller chose it (to remember the turn beside the record); a new one otherwise. */
  answerId?: string;
  question: string;
  answer: Answer;
  platform: Platform;
  chatKind: ChatKind;
  conversationKey: string;
  latencyMs: number;
  askedAt: number;
}

export interface QuestionLog {
  /** Logs the question and returns the answer's id (the entry's, or a new one, even when logging is off). */
  record(entry: QuestionLogEntry): Promise<string>;
}

export function conversationHash(conversationKey: string): string {
  return createHash("sha256").update(conversationKey, "utf8").digest("hex").slice(0, 32);
}

export function createQuestionLog(input: { store: StateStore | undefined; enabled: boolean; logger: Logger }): QuestionLog {
  const log = input.logger.child({ component: "question-log" });
  return {
    async record(entry) {
      const answerId = entry.answerId ?? randomUUID();
      if (!input.enabled || !input.store) return answerId;
      const text = maskPersonalData(entry.question);
      const citedSourceIds = entry.answer.noAnswer ? [] : [...new Set(entry.answer.citations.map((citation) => citation.sourceId))];
      try {
        await input.store.recordQuestion({
          answerId,
          text,
          groupKey: questionGroupKey(text),
          platform: entry.platform,
          chatKind: entry.chatKind,
          conversationHash: conversationHash(entry.conversationKey),
          answered: !entry.answer.noAnswer,
          scores: entry.answer.passages.slice(0, 5).map((passage) => Math.round(passage.score * 10_000) / 10_000),
          citedSourceIds,
          latencyMs: Math.round(entry.latencyMs * 100) / 100,
          askedAt: entry.askedAt,
          // Named from the question's own words, so masked like them.
          ...(entry.answer.noAnswer && entry.answer.missingSubject ? { missingSubject: maskPersonalData(entry.answer.missingSubject) } : {}),
        });
      } catch (error) {
        // A log that cannot be written costs the entry, never the answer.
        log.warn({ err: error, platform: entry.platform }, "question not logged");
      }
      return answerId;
    },
  };
}
