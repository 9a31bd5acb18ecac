/**
 * Shows "typing…" while an answer is being prepared. Telegram clears the action after 5 seconds or
 * at the bot's next message, so it is repeated every few seconds until the caller stops it.
 */

export interface TypingTarget {
  chatId: number;
  /** Set only for forum topic messages; elsewhere Telegram rejects a thread id. */
  messageThreadId?: number;
}

export type SendChatAction = (target: TypingTarget) => Promise<unknown>;

/** Starts the indicator; the returned function stops it. Failures are reported, never thrown. */
export function startTyping(sendChatAction: SendChatAction, target: TypingTarget, onError: (error: unknown) => void, intervalMs = 4000): () => void {
  const send = () => {
    sendChatAction(target).catch(onError);
  };
  send();
  const timer = setInterval(send, intervalMs);
  return () => clearInterval(timer);
}
