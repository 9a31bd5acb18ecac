import { describe, expect, it } from "vitest";
import { interpretMessage, toIncoming, type IncomingTextMessage } from "../../adapters/telegram/to-incoming.js";

const bot = { id: 666, username: "TestNameBot" };

function message(text: string, fields: Partial<IncomingTextMessage> = {}): IncomingTextMessage {
  return { message_id: 10, text, chat: { id: -100, type: "supergroup" }, from: { id: 7 }, ...fields };
}

function command(text: string, fields: Partial<IncomingTextMessage> = {}): IncomingTextMessage {
  const length = text.includes(" ") ? text.indexOf(" ") : text.length;
  return message(text, { entities: [{ type: "bot_command", offset: 0, length }], ...fields });
}

function mention(text: string, handle: string, fields: Partial<IncomingTextMessage> = {}): IncomingTextMessage {
  return message(text, { entities: [{ type: "mention", offset: text.indexOf(handle), length: handle.length }], ...fields });
}

describe("interpretMessage in private chats", () => {
  const privateChat = { chat: { id: 5, type: "private" } };

  it("treats every text message as a question", () => {
    expect(interpretMessage(message("  亲情账户 是什么 ", privateChat), bot)).toEqual({ kind: "question", text: "亲情账户 是什么" });
  });

  it("recognises /start, /help and unknown commands as help", () => {
    expect(interpretMessage(command("/start", privateChat), bot)).toEqual({ kind: "command", command: "start" });
    expect(interpretMessage(command("/HELP", privateChat), bot)).toEqual({ kind: "command", command: "help" });
    expect(interpretMessage(command("/whatever", privateChat), bot)).toEqual({ kind: "command", command: "help" });
  });

  it("strips /ask and a mention of the bot", () => {
    expect(interpretMessage(command("/ask 亲情账户", privateChat), bot)).toEqual({ kind: "question", text: "亲情账户" });
    expect(interpretMessage(mention("@TestNameBot 亲情账户", "@TestNameBot", privateChat), bot)).toEqual({ kind: "question", text: "亲情账户" });
  });
});

describe("interpretMessage in groups", () => {
  it("ignores messages that do not address the bot", () => {
    expect(interpretMessage(message("亲情账户是什么"), bot)).toEqual({ kind: "ignore" });
    expect(interpretMessage(mention("@SomeoneElse 亲情账户", "@SomeoneElse"), bot)).toEqual({ kind: "ignore" });
    // Text that merely contains the name, without a mention entity, is not a mention.
    expect(interpretMessage(message("@TestNameBot 亲情账户"), bot)).toEqual({ kind: "ignore" });
    expect(interpretMessage(command("/whatever"), bot)).toEqual({ kind: "ignore" });
  });

  it("answers /ask and /ask@bot (case-insensitive) but not /ask@other_bot", () => {
    expect(interpretMessage(command("/ask 亲情账户"), bot)).toEqual({ kind: "question", text: "亲情账户" });
    expect(interpretMessage(command("/ask@testnamebot 亲情账户"), bot)).toEqual({ kind: "question", text: "亲情账户" });
    expect(interpretMessage(command("/ask@OtherBot 亲情账户"), bot)).toEqual({ kind: "ignore" });
    expect(interpretMessage(command("/reindex@TestNameBot"), bot)).toEqual({ kind: "command", command: "reindex" });
  });

  it("returns an empty question for /ask or a bare mention, so the user gets a usage hint", () => {
    expect(interpretMessage(command("/ask@TestNameBot"), bot)).toEqual({ kind: "question", text: "" });
    expect(interpretMessage(mention("@TestNameBot", "@TestNameBot"), bot)).toEqual({ kind: "question", text: "" });
  });

  it("answers a mention anywhere in the text, in any letter case, and removes it", () => {
    const text = "请问 @testnamebot 亲情账户和家庭共济账户有什么区别";
    expect(interpretMessage(mention(text, "@testnamebot"), bot)).toEqual({ kind: "question", text: "请问 亲情账户和家庭共济账户有什么区别" });
  });

  it("keeps offsets right with characters outside the BMP before the mention", () => {
    const text = "😀😀 @TestNameBot 亲情账户";
    expect(interpretMessage(mention(text, "@TestNameBot"), bot)).toEqual({ kind: "question", text: "😀😀 亲情账户" });
  });

  it("answers a text_mention of the bot (a mention without a username)", () => {
    const text = "Test 亲情账户";
    const incoming = message(text, { entities: [{ type: "text_mention", offset: 0, length: 4, user: { id: 666 } }] });
    expect(interpretMessage(incoming, bot)).toEqual({ kind: "question", text: "亲情账户" });
  });

  it("ignores other bots, even when they address this bot", () => {
    expect(interpretMessage(command("/ask@TestNameBot 亲情账户", { from: { id: 8, is_bot: true } }), bot)).toEqual({ kind: "ignore" });
  });

  it("answers replies to the bot's own messages only", () => {
    expect(interpretMessage(message("那怎么开通", { reply_to_message: { message_id: 3, from: { id: 666 } } }), bot)).toEqual({
      kind: "question",
      text: "那怎么开通",
    });
    expect(interpretMessage(message("那怎么开通", { reply_to_message: { message_id: 3, from: { id: 9 } } }), bot)).toEqual({ kind: "ignore" });
  });

  it("does not mistake a forum topic's root message for a reply to the bot", () => {
    const topicRoot = { message_id: 77, from: { id: 666 }, forum_topic_created: { name: "医保" } };
    expect(interpretMessage(message("随便聊聊", { is_topic_message: true, message_thread_id: 77, reply_to_message: topicRoot }), bot)).toEqual({
      kind: "ignore",
    });
    const rootWithoutMarker = { message_id: 77, from: { id: 666 } };
    expect(interpretMessage(message("随便聊聊", { is_topic_message: true, message_thread_id: 77, reply_to_message: rootWithoutMarker }), bot)).toEqual({
      kind: "ignore",
    });
  });
});

describe("toIncoming", () => {
  const admins = new Set(["42"]);

  it("builds the responder's incoming: text, platform, user, admin flag and the chat + topic + user conversation", () => {
    expect(toIncoming(command("/ask 亲情账户", { chat: { id: -100123, type: "supergroup" }, from: { id: 42 } }), bot, admins)).toEqual({
      text: "亲情账户",
      platform: "telegram",
      conversationKey: "telegram:-100123:-:42",
      userId: "42",
      addressedToBot: true,
      isAdmin: true,
    });
  });

  it("gives each group member and each forum topic a conversation of their own", () => {
    const keyOf = (fields: Partial<IncomingTextMessage>) => toIncoming(command("/ask 亲情账户", fields), bot, admins).conversationKey;
    expect(keyOf({ from: { id: 7 } })).toBe("telegram:-100:-:7");
    expect(keyOf({ from: { id: 8 } })).toBe("telegram:-100:-:8");
    expect(keyOf({ from: { id: 7 }, is_topic_message: true, message_thread_id: 77 })).toBe("telegram:-100:77:7");
    // A reply thread in an ordinary group is not a topic: the same conversation as the group.
    expect(keyOf({ from: { id: 7 }, message_thread_id: 12 })).toBe("telegram:-100:-:7");
  });

  it("hands commands over in their plain form, with their argument and without the bot's name", () => {
    const textOf = (text: string) => toIncoming(command(text), bot, admins).text;
    expect(textOf("/reindex@TestNameBot full")).toBe("/reindex full");
    expect(textOf("/stats@testnamebot")).toBe("/stats");
    expect(textOf("/new")).toBe("/new");
    expect(toIncoming(command("/reindex"), bot, admins).isAdmin).toBe(false);
  });

  it("marks group chatter and other bots' commands as not addressed to the bot", () => {
    expect(toIncoming(message("亲情账户是什么"), bot, admins).addressedToBot).toBe(false);
    expect(toIncoming(command("/ask@OtherBot 亲情账户"), bot, admins).addressedToBot).toBe(false);
  });
});
