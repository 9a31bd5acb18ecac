/**
 * Turns a Telegram message into the responder's `Incoming`: whether it is meant for the bot, what
 * it asks (mentions and `/ask` removed, a command in its plain `/name` form) and whose conversation
 * it belongs to. Pure: it sees only the message, the bot's identity and the admin list, so every
 * addressing rule is unit-tested without a server.
 */
import type { Incoming } from "../../src/conversation/incoming.js";

/** The parts of a Telegram message entity this module reads. */
export interface MessageEntityLike {
  type: string;
  offset: number;
  length: number;
  user?: { id: number };
}

/** The parts of a Telegram text message this module reads; telegraf's `Message.TextMessage` fits. */
export interface IncomingTextMessage {
  message_id: number;
  text: string;
  entities?: MessageEntityLike[];
  chat: { id: number; type: string };
  from?: { id: number; is_bot?: boolean };
  message_thread_id?: number;
  is_topic_message?: boolean;
  reply_to_message?: {
    message_id: number;
    from?: { id: number };
    forum_topic_created?: unknown;
  };
}

export interface BotIdentity {
  id: number;
  username: string;
}

export type BotCommandName = "start" | "help" | "reindex" | "stats" | "new";

export type MessageIntent =
  /** Not for the bot (group chatter, another bot's command): stay silent. */
  | { kind: "ignore" }
  /** `argument` is the text after the command, e.g. `full` in `/reindex full`. */
  | { kind: "command"; command: BotCommandName; argument?: string }
  /** A question; `text` is empty when the user addressed the bot without asking anything. */
  | { kind: "question"; text: string };

const knownCommands = new Set<string>(["start", "help", "reindex", "stats", "new", "ask"]);

export function isPrivateChat(message: IncomingTextMessage): boolean {
  return message.chat.type === "private";
}

/** Reads what the message wants from the bot, following the rules Telegram users expect. */
export function interpretMessage(message: IncomingTextMessage, bot: BotIdentity): MessageIntent {
  // Answering other bots (or ourselves) could start a reply loop between bots in a group.
  if (message.from?.is_bot) return { kind: "ignore" };
  const entities = message.entities ?? [];
  const command = readLeadingCommand(message.text, entities);

  if (command) {
    // `/cmd@other_bot` is for another bot in the same group.
    if (command.target !== undefined && command.target.toLowerCase() !== bot.username.toLowerCase()) return { kind: "ignore" };
    if (command.name === "ask") {
      return { kind: "question", text: cleanQuestion(message.text, entities, bot, command.entity) };
    }
    if (knownCommands.has(command.name)) {
      const argument = cleanQuestion(message.text, entities, bot, command.entity);
      return argument ? { kind: "command", command: command.name as BotCommandName, argument } : { kind: "command", command: command.name as BotCommandName };
    }
    // Unknown commands: a private chat gets the help text, a group is left alone.
    return isPrivateChat(message) ? { kind: "command", command: "help" } : { kind: "ignore" };
  }

  const addressed = isPrivateChat(message) || mentionsBot(message.text, entities, bot) || repliesToBot(message, bot);
  if (!addressed) return { kind: "ignore" };
  return { kind: "question", text: cleanQuestion(message.text, entities, bot) };
}

/**
 * A conversation is chat + forum topic + user: in a group each member's questions form their own
 * thread, and a forum topic is a conversation apart from the rest of the group.
 */
export function conversationKeyOf(message: IncomingTextMessage): string {
  const topic = message.is_topic_message && message.message_thread_id !== undefined ? String(message.message_thread_id) : "-";
  return `telegram:${message.chat.id}:${topic}:${message.from?.id ?? "-"}`;
}

/** The responder's view of a message; `addressedToBot` is false for chatter the bot must not answer. */
export function toIncoming(message: IncomingTextMessage, bot: BotIdentity, adminIds: ReadonlySet<string>): Incoming {
  const intent = interpretMessage(message, bot);
  const userId = message.from ? String(message.from.id) : "";
  const text = intent.kind === "question" ? intent.text : intent.kind === "command" ? `/${intent.command}${intent.argument ? ` ${intent.argument}` : ""}` : "";
  return {
    text,
    platform: "telegram",
    conversationKey: conversationKeyOf(message),
    userId,
    addressedToBot: intent.kind !== "ignore",
    isAdmin: userId !== "" && adminIds.has(userId),
  };
}

interface LeadingCommand {
  name: string;
  target?: string;
  entity: MessageEntityLike;
}

/** Telegram marks commands with a `bot_command` entity; only one at the very start counts. */
function readLeadingCommand(text: string, entities: MessageEntityLike[]): LeadingCommand | undefined {
  const entity = entities.find((candidate) => candidate.type === "bot_command" && candidate.offset === 0);
  if (!entity) return undefined;
  const raw = text.slice(1, entity.length);
  const [name, target] = raw.split("@", 2);
  return { name: name.toLowerCase(), target: target || undefined, entity };
}

function isBotMention(text: string, entity: MessageEntityLike, bot: BotIdentity): boolean {
  if (entity.type === "text_mention") return entity.user?.id === bot.id;
  if (entity.type !== "mention") return false;
  return text.slice(entity.offset, entity.offset + entity.length).toLowerCase() === `@${bot.username.toLowerCase()}`;
}

function mentionsBot(text: string, entities: MessageEntityLike[], bot: BotIdentity): boolean {
  return entities.some((entity) => isBotMention(text, entity, bot));
}

function repliesToBot(message: IncomingTextMessage, bot: BotIdentity): boolean {
  const repliedTo = message.reply_to_message;
  if (!repliedTo || repliedTo.from?.id !== bot.id) return false;
  // In forums every topic message "replies" to the topic's creation message; that is not a reply to the bot.
  if (repliedTo.forum_topic_created !== undefined) return false;
  if (message.is_topic_message && repliedTo.message_id === message.message_thread_id) return false;
  return true;
}

/** Removes the command and the bot's own mentions, so the knowledge base searches only the question. */
function cleanQuestion(text: string, entities: MessageEntityLike[], bot: BotIdentity, command?: MessageEntityLike): string {
  const removals = entities.filter((entity) => entity === command || isBotMention(text, entity, bot));
  // Offsets are UTF-16 code units, the same as JavaScript string indices; cut from the end so they stay valid.
  let cleaned = text;
  for (const entity of [...removals].sort((left, right) => right.offset - left.offset)) {
    cleaned = cleaned.slice(0, entity.offset) + " " + cleaned.slice(entity.offset + entity.length);
  }
  return cleaned.replace(/\s+/g, " ").trim();
}
