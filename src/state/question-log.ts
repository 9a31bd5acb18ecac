/**
 * Writes each answered (or unanswered) question to the state store, the one place every platform's
 * answer passes through (the responder calls it). What is kept: the question masked by the same
 * function as the logs (and with anything that looks like a credential masked too), never the raw
 * words; a hash of the conversation, never its key. The log is bounded in rows as well as in days:
 * every hundredth of `maxRows` records, the oldest questions past `maxRows` are purged (the
 * server's hourly upkeep does the same), so a flood of questions cannot fill the disk.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Answer, Platform } from "../core/types.js";
import { maskPersonalData } from "../core/mask-personal-data.js";
import { createSecretMasker } from "../core/mask-secrets.js";
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
  /** Who asked, as a voter key (voterKey), so a vote that must come from the asker can be checked. */
  askedBy?: string;
}

export interface QuestionLog {
  /** Logs the question and returns the answer's id (the entry's, or a new one, even when logging is off). */
  record(entry: QuestionLogEntry): Promise<string>;
}

export function conversationHash(conversationKey: string): string {
  return createHash("sha256").update(conversationKey, "utf8").digest("hex").slice(0, 32);
}

export interface QuestionLogOptions {
  store: StateStore | undefined;
  enabled: boolean;
  logger: Logger;
  /** The configured secrets, masked by value in what is logged (see configuredSecrets). */
  secrets?: Iterable<string | undefined>;
  /** Most questions kept (QUESTION_LOG_MAX_ROWS); unset: no row limit here. */
  maxRows?: number;
}

export function createQuestionLog(input: QuestionLogOptions): QuestionLog {
  const log = input.logger.child({ component: "question-log" });
  const mask = createSecretMasker(input.secrets ?? []);
  const masked = (text: string) => maskPersonalData(mask(text));
  const { maxRows } = input;
  // Trimming costs a scan of the newest `maxRows` rows' index: done once per 1% of the cap.
  const trimEvery = maxRows === undefined ? 0 : Math.max(1, Math.floor(maxRows / 100));
  let sinceTrim = 0;
  let trimming = false;

  async function trim(store: StateStore, limit: number): Promise<void> {
    trimming = true;
    try {
      const purged = await store.purgeQuestionsBeyond(limit);
      if (purged > 0) log.info({ purged, maxRows: limit }, "oldest questions purged past QUESTION_LOG_MAX_ROWS");
    } catch (error) {
      log.warn({ err: error }, "question log not trimmed; tried again with the next record");
      sinceTrim = trimEvery;
    } finally {
      trimming = false;
    }
  }

  return {
    async record(entry) {
      const answerId = entry.answerId ?? randomUUID();
      if (!input.enabled || !input.store) return answerId;
      const text = masked(entry.question);
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
          ...(entry.answer.noAnswer && entry.answer.missingSubject ? { missingSubject: masked(entry.answer.missingSubject) } : {}),
          ...(entry.askedBy ? { askedBy: entry.askedBy } : {}),
        });
      } catch (error) {
        // A log that cannot be written costs the entry, never the answer.
        log.warn({ err: error, platform: entry.platform }, "question not logged");
        return answerId;
      }
      if (maxRows !== undefined && ++sinceTrim >= trimEvery && !trimming) {
        sinceTrim = 0;
        // Not awaited: finding the cut-off walks the index of the newest rows, which the answer need not wait for.
        void trim(input.store, maxRows);
      }
      return answerId;
    },
  };
}
