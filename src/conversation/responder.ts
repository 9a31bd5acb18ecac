/**
 * The one set of chat rules every platform shares: commands, small talk, limits, the busy guard,
 * admin checks, error replies and conversation memory. It takes an `Incoming` and returns a `Reply`; it never
 * formats for a platform and never throws, so no adapter needs rules of its own.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { isKnowledgeBotError } from "../core/errors.js";
import type { KnowledgeBot } from "../core/knowledge-bot.js";
import type { Answer, ConversationTurn, Platform } from "../core/types.js";
import { maskPersonalData } from "../core/mask-personal-data.js";
import type { QuestionLog } from "../state/question-log.js";
import type { Rating, StateStore } from "../state/state-store.js";
import { voterKey } from "../state/voter-key.js";
import { readChitChat } from "../retrieval/chit-chat.js";
import type { ConversationMemory } from "./conversation-memory.js";
import type { Incoming, Reply, Responder } from "./incoming.js";
import { parseCommand, type ChatCommand } from "./parse-command.js";
import { REPLY_TEXTS } from "./reply-texts.js";

export interface ResponderLimits {
  /** Longest question accepted, in characters (MAX_QUESTION_CHARS). */
  maxQuestionChars: number;
}

export interface ResponderOptions {
  bot: KnowledgeBot;
  memory: ConversationMemory;
  /** The app config fits: only `maxQuestionChars` is read. */
  config: ResponderLimits;
  logger: Logger;
  /** Where every question and its answer's id are logged; without one, answers still get an id. */
  questionLog?: QuestionLog;
  /** Where a "有用" / "没用" reply to the last answer is recorded; without it those words are questions. */
  votes?: Pick<StateStore, "recordVote">;
  /** Clock for the turns' `at` (epoch milliseconds); tests pass their own. */
  now?: () => number;
}

/** A reply that is a vote on the answer before it, on platforms without buttons (WeCom) or anywhere. */
const FEEDBACK_WORDS: ReadonlyMap<string, Rating> = new Map([
  ["有用", "up"],
  ["有帮助", "up"],
  ["👍", "up"],
  ["没用", "down"],
  ["没有用", "down"],
  ["无用", "down"],
  ["👎", "down"],
]);

export function createResponder({ bot, memory, config, logger, questionLog, votes, now = Date.now }: ResponderOptions): Responder {
  const log = logger.child({ component: "responder" });
  // Conversations with a question in progress: a second question waits for the first's answer.
  const answering = new Set<string>();
  let reindexRunning = false;

  function text(value: string): Reply {
    return { kind: "text", text: value };
  }

  function helpText(platform: Platform): string {
    let sourceCount: number | undefined;
    try {
      sourceCount = bot.stats().sources;
    } catch {
      // No index yet: the help text simply leaves the count out.
    }
    const examples = bot.exampleQuestions(3);
    return [
      REPLY_TEXTS.knows(sourceCount),
      REPLY_TEXTS.howToAsk(platform),
      examples.length > 0 ? [REPLY_TEXTS.examplesHeading, ...examples.map((question) => `• ${question}`)].join("\n") : undefined,
      REPLY_TEXTS.followUps,
      REPLY_TEXTS.notADoctor,
    ]
      .filter(Boolean)
      .join("\n\n");
  }

  async function runCommand(command: Exclude<ChatCommand, { name: "ask" }>, incoming: Incoming): Promise<Reply> {
    if (command.name === "help") return text(helpText(incoming.platform));
    if (command.name === "new") {
      await memory.forget(incoming.conversationKey);
      return text(REPLY_TEXTS.newConversation);
    }
    if (!incoming.isAdmin) return text(REPLY_TEXTS.notAdmin);
    if (command.name === "stats") {
      try {
        return text(REPLY_TEXTS.stats(bot.stats()));
      } catch (error) {
        log.error({ err: error, platform: incoming.platform }, "stats command failed");
        return text(REPLY_TEXTS.statsFailed(describeForAdmin(error)));
      }
    }
    // A re-index can take a while: a second request while one runs is answered, not started.
    if (reindexRunning) return text(REPLY_TEXTS.reindexBusy);
    reindexRunning = true;
    try {
      // The reason names the platform only: the documents page lists it, and a user id is personal data.
      const reason = `${incoming.platform} /reindex`;
      const summary = await bot.reindex(command.full ? { full: true, reason } : { reason });
      log.info({ platform: incoming.platform, userId: incoming.userId, version: summary.version, full: command.full }, "admin re-index finished");
      return text(REPLY_TEXTS.reindexReport(summary));
    } catch (error) {
      log.error({ err: error, platform: incoming.platform }, "admin re-index failed");
      return text(REPLY_TEXTS.reindexFailed(describeForAdmin(error)));
    } finally {
      reindexRunning = false;
    }
  }

  async function answerQuestion(message: string, incoming: Incoming): Promise<Reply> {
    if (message === "") return text(helpText(incoming.platform));
    // Small talk gets the introduction before anything else sees it: no search, no follow-up
    // rewrite, no remembered turn and no queue entry ("你好，…" loses only the greeting).
    const reading = readChitChat(message);
    if (reading.kind === "chit-chat") return text(helpText(incoming.platform));
    const question = reading.question;
    if ([...question].length > config.maxQuestionChars) return text(REPLY_TEXTS.tooLong(config.maxQuestionChars));
    const key = incoming.conversationKey;
    if (answering.has(key)) return text(REPLY_TEXTS.busy);
    answering.add(key);
    try {
      const started = performance.now();
      const askedAt = now();
      const history = incoming.newConversation ? [] : await readHistory(key, incoming);
      // The bot reads what was asked and cited; the answer ids are the responder's own.
      const answer = await bot.answer({ text: question, platform: incoming.platform, history: history.map(({ answerId: _answerId, ...turn }) => turn) });
      const latencyMs = performance.now() - started;
      const answerId = randomUUID();
      // The log record and the remembered turn are independent writes: both finish before the answer
      // is handed out (a vote on it must find its question), but side by side, not one after the other.
      await Promise.all([
        questionLog?.record({
          answerId,
          question,
          answer,
          platform: incoming.platform,
          chatKind: incoming.chatKind ?? "private",
          conversationKey: key,
          latencyMs,
          askedAt,
        }),
        rememberTurn(key, question, answer, incoming, answerId),
      ]);
      return { kind: "answer", answer, answerId };
    } catch (error) {
      log.error({ err: error, platform: incoming.platform, question: maskPersonalData(question) }, "answering failed");
      return { kind: "text", text: REPLY_TEXTS.failed, failure: error };
    } finally {
      answering.delete(key);
    }
  }

  /** A memory that cannot be read costs the follow-up context, not the answer. */
  async function readHistory(key: string, incoming: Incoming): Promise<ConversationTurn[]> {
    try {
      return await memory.history(key);
    } catch (error) {
      log.warn({ err: error, platform: incoming.platform }, "conversation memory unreadable; answering without history");
      return [];
    }
  }

  async function rememberTurn(key: string, question: string, answer: Answer, incoming: Incoming, answerId: string): Promise<void> {
    const turn: ConversationTurn = {
      question,
      resolvedQuestion: answer.understoodAs ?? question,
      citedSourceIds: answer.noAnswer ? [] : [...new Set(answer.citations.map((citation) => citation.sourceId))],
      at: now(),
      answerId,
    };
    try {
      await memory.remember(key, turn);
    } catch (error) {
      log.warn({ err: error, platform: incoming.platform }, "conversation memory not written; the next follow-up lacks this turn");
    }
  }

  /** A vote reply on the conversation's last answer; undefined when the words are not one, or there is no answer to vote on. */
  async function recordFeedbackWord(message: string, incoming: Incoming): Promise<Reply | undefined> {
    const rating = FEEDBACK_WORDS.get(message.replace(/[\s。！!.]+$/u, ""));
    if (!rating || !votes || incoming.newConversation) return undefined;
    const history = await readHistory(incoming.conversationKey, incoming);
    const answerId = history.at(-1)?.answerId;
    if (!answerId) return undefined;
    const recorded = await votes.recordVote({ answerId, voter: voterKey(incoming.platform, incoming.userId), rating, at: now() });
    return text(recorded ? REPLY_TEXTS.feedbackThanks : REPLY_TEXTS.feedbackUnknown);
  }

  return {
    async respond(incoming) {
      if (!incoming.addressedToBot) return { kind: "none" };
      const message = incoming.text.trim();
      try {
        const vote = await recordFeedbackWord(message, incoming);
        if (vote) return vote;
        const command = parseCommand(message);
        if (command === undefined) return await answerQuestion(message, incoming);
        if (command.name === "ask") return await answerQuestion(command.question, incoming);
        return await runCommand(command, incoming);
      } catch (error) {
        // The last net: whatever failed, the user reads the failure text, never an error.
        log.error({ err: error, platform: incoming.platform }, "reply failed");
        return text(REPLY_TEXTS.failed);
      }
    },
  };
}

/** Admins read the error's own words and fix hint; anything unexpected stays a generic line. */
function describeForAdmin(error: unknown): string {
  if (isKnowledgeBotError(error)) return error.describe();
  return REPLY_TEXTS.failed;
}
