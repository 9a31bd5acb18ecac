/**
 * Remembers the recent turns of each conversation so a follow-up ("那吉林呢？") can be resolved
 * against them. The store is an interface so a persistent or shared one can replace the in-memory
 * one without touching the responder or the bot.
 */
import { LRUCache } from "lru-cache";
import type { ConversationTurn } from "../core/types.js";

export interface ConversationMemory {
  /** Earlier turns of a conversation, oldest first; empty when unknown or idle past expiry. */
  history(conversationKey: string): Promise<ConversationTurn[]>;
  remember(conversationKey: string, turn: ConversationTurn): Promise<void>;
  forget(conversationKey: string): Promise<void>;
}

export interface InMemoryConversationMemoryOptions {
  /** A conversation with no new turn for this long starts over. */
  idleMs: number;
  /** Only the last `maxTurns` turns of a conversation are kept. */
  maxTurns: number;
  /** At most this many conversations are held; the least recently used is dropped first. */
  maxConversations?: number;
  /** The clock idle expiry is measured on (milliseconds); tests pass their own. */
  now?: () => number;
}

/** Enough for a busy group bot; each conversation holds at most `maxTurns` short turns. */
export const DEFAULT_MAX_CONVERSATIONS = 10_000;
/** Messages are untrusted: what is kept per turn is bounded whatever the adapter let through. */
const MAX_STORED_QUESTION_CHARS = 1_000;
const MAX_STORED_CITATIONS = 20;

/** What is kept of a turn, in any store. */
export function boundedTurn(turn: ConversationTurn): ConversationTurn {
  return {
    question: turn.question.slice(0, MAX_STORED_QUESTION_CHARS),
    resolvedQuestion: turn.resolvedQuestion.slice(0, MAX_STORED_QUESTION_CHARS),
    citedSourceIds: turn.citedSourceIds.slice(0, MAX_STORED_CITATIONS),
    at: turn.at,
    ...(turn.answerId ? { answerId: turn.answerId.slice(0, 64) } : {}),
  };
}

export function createInMemoryConversationMemory(options: InMemoryConversationMemoryOptions): ConversationMemory {
  if (!(options.idleMs > 0)) throw new RangeError("idleMs must be positive");
  if (!(Number.isInteger(options.maxTurns) && options.maxTurns > 0)) throw new RangeError("maxTurns must be a positive integer");
  const now = options.now ?? Date.now;
  const conversations = new LRUCache<string, ConversationTurn[]>({
    max: options.maxConversations ?? DEFAULT_MAX_CONVERSATIONS,
    // Idle expiry: every remembered turn sets the entry again, restarting its time to live; reading does not.
    ttl: options.idleMs,
    updateAgeOnGet: false,
    // Read the clock on every check, so expiry follows the injected clock exactly.
    ttlResolution: 0,
    perf: { now },
  });

  return {
    async history(conversationKey) {
      return (conversations.get(conversationKey) ?? []).map((turn) => ({ ...turn, citedSourceIds: [...turn.citedSourceIds] }));
    },
    async remember(conversationKey, turn) {
      const kept = conversations.get(conversationKey) ?? [];
      conversations.set(conversationKey, [...kept, boundedTurn(turn)].slice(-options.maxTurns));
    },
    async forget(conversationKey) {
      conversations.delete(conversationKey);
    },
  };
}
