/**
 * Conversation memory kept in the state store, so a follow-up still finds its earlier turns after
 * a restart (and, on a shared store, on another replica). Same rules as the in-memory one: idle
 * expiry from the last turn, only the last `maxTurns` turns, each turn bounded. What reaches the
 * disk is masked like the question log: a phone number in a question is never written. The rules
 * are the conversation layer's, so this lives beside the in-memory memory; the state store below
 * only keeps the turns it is handed.
 */
import { maskPersonalData } from "../core/mask-personal-data.js";
import type { ConversationTurn } from "../core/types.js";
import type { StateStore } from "../state/state-store.js";
import { boundedTurn, type ConversationMemory } from "./conversation-memory.js";

function maskedTurn(turn: ConversationTurn): ConversationTurn {
  const bounded = boundedTurn(turn);
  return { ...bounded, question: maskPersonalData(bounded.question), resolvedQuestion: maskPersonalData(bounded.resolvedQuestion) };
}

export interface StoredConversationMemoryOptions {
  store: StateStore;
  idleMs: number;
  maxTurns: number;
  now?: () => number;
}

export function createStoredConversationMemory({ store, idleMs, maxTurns, now = Date.now }: StoredConversationMemoryOptions): ConversationMemory {
  if (!(idleMs > 0)) throw new RangeError("idleMs must be positive");
  if (!(Number.isInteger(maxTurns) && maxTurns > 0)) throw new RangeError("maxTurns must be a positive integer");
  return {
    history(conversationKey) {
      return store.readConversation(conversationKey, now() - idleMs);
    },
    async remember(conversationKey, turn) {
      const time = now();
      await store.appendConversationTurn(conversationKey, maskedTurn(turn), { maxTurns, notBefore: time - idleMs, at: time });
    },
    forget(conversationKey) {
      return store.deleteConversation(conversationKey);
    },
  };
}
