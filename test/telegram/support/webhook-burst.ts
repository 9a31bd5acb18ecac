/**
 * Telegram's side of a webhook burst, for the crash tests: numbered updates over many private
 * chats, posted the way Telegram posts them (several calls at once, the secret header), each
 * call's status recorded, and the bot's messages in the emulator counted per update by the chat and
 * the message each one quotes.
 */
import type { Emulator } from "./telegram-emulator.js";

export interface BurstUpdate {
  updateId: number;
  chatId: number;
  messageId: number;
  text: string;
}

/** `rounds` updates to each of `chats` chats, round by round, asking the `questions` in turn. */
export function burstUpdates(options: { chats: number; rounds: number; questions: string[]; firstUpdateId: number; firstChatId: number }): BurstUpdate[] {
  const all: BurstUpdate[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (let chat = 0; chat < options.chats; chat++) {
      all.push({
        updateId: options.firstUpdateId + all.length,
        chatId: options.firstChatId + chat,
        messageId: 100 + round,
        text: options.questions[(chat + round) % options.questions.length]!,
      });
    }
  }
  return all;
}

/** One webhook call: the status, or 0 when the call failed (the process is gone). */
export async function deliverUpdate(url: string, secret: string, update: BurstUpdate): Promise<number> {
  try {
    const response = await fetch(`${url}/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret },
      body: JSON.stringify({
        update_id: update.updateId,
        message: {
          message_id: update.messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: update.chatId, type: "private" },
          from: { id: update.chatId, is_bot: false, first_name: "Wang" },
          text: update.text,
        },
      }),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Delivers `batch` eight calls at a time (Telegram keeps several connections open), recording each status; `urlFor` picks the replica. */
export async function deliverAll(urlFor: (update: BurstUpdate) => string, secret: string, batch: BurstUpdate[], statuses: Map<number, number>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < batch.length) {
      const update = batch[next++]!;
      statuses.set(update.updateId, await deliverUpdate(urlFor(update), secret, update));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** The bot's messages per update id, told apart by the chat and the message each one quotes. */
export function answersPerUpdate(emulator: Emulator, all: BurstUpdate[]): Map<number, number> {
  const counts = new Map(all.map((update) => [update.updateId, 0]));
  const byQuote = new Map(all.map((update) => [`${update.chatId}:${update.messageId}`, update.updateId]));
  for (const sent of emulator.server.storage.botMessages) {
    const quoted = (sent.message as { reply_parameters?: { message_id?: number } }).reply_parameters?.message_id;
    const updateId = byQuote.get(`${sent.message.chat_id}:${quoted}`);
    if (updateId !== undefined) counts.set(updateId, counts.get(updateId)! + 1);
  }
  return counts;
}
