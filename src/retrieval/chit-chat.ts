/**
 * Chit-chat is not a question: a greeting, thanks, an acknowledgement, a goodbye or a question about
 * the bot itself ("你能回答什么问题") gets the introduction, never a search, a follow-up rewrite, a
 * remembered turn or a place in the unanswered queue. Searching "hello" finds nothing true, and
 * joining it to the earlier question made "hello丢了怎么补办".
 *
 * The rule is bounded and general: after normalising (full-width, traditional characters, case)
 * and dropping punctuation, symbols and emoji, a short message made only of these phrases, with
 * particles (啊, 呀, 哈) and ways of addressing the bot (机器人, 小助手) between them, is chit-chat.
 * A message that merely starts with a greeting ("你好，医保卡丢了怎么补办") is a question: the
 * greeting is dropped and the rest is asked.
 */
import { normalizeText } from "../text/normalize-text.js";

export type ChitChatReading =
  /** The whole message is chit-chat: answer with the introduction. */
  | { kind: "chit-chat" }
  /** A question, with any leading greeting taken off (`question` is the message itself when there was none). */
  | { kind: "question"; question: string };

/** Longer than this (cleaned) and it is not small talk, whatever it starts with. */
const MAX_CHIT_CHAT_CHARS = 24;

/** Greetings: taken off the front of a question too, since nothing in the folder starts with them. */
const GREETINGS = [
  "你们好",
  "大家好",
  "您好",
  "你好",
  "哈喽",
  "哈啰",
  "嗨",
  "hello",
  "hallo",
  "hey",
  "hi",
  "早上好",
  "上午好",
  "中午好",
  "下午好",
  "晚上好",
  "早安",
  "good morning",
  "good afternoon",
  "good evening",
  "在吗",
  "在么",
  "在不在",
  "有人吗",
];

/**
 * The rest of small talk. Only a whole message of these is chit-chat; at the front of a question
 * they stay, because some start real questions ("好的医院有哪些", "怎么用医保卡").
 */
const SMALL_TALK = [
  // thanks
  "非常感谢",
  "太感谢了",
  "感谢",
  "谢谢",
  "多谢",
  "谢了",
  "辛苦了",
  "thanks",
  "thank you",
  "thx",
  // acknowledgements
  "好的",
  "好滴",
  "好吧",
  "好",
  "嗯",
  "哦",
  "噢",
  "收到",
  "明白了",
  "明白",
  "知道了",
  "懂了",
  "了解",
  "行",
  "ok",
  "okay",
  "没问题",
  // goodbyes
  "再见",
  "拜拜",
  "回见",
  "下次见",
  "晚安",
  "bye",
  "goodbye",
];

/** Questions about the bot itself, each a whole phrase (patterns, so 你/您 and 能/会/可以 vary freely). */
const ABOUT_THE_BOT = [
  /你是谁/y,
  /你是(什么|啥)(东西|机器人)?/y,
  /你是(机器人|人工智能|ai|真人|人)吗?/y,
  /你叫(什么|啥)(名字)?/y,
  /你?(能|会|可以)(回答|做|干|帮我?|查|答)?(些)?(什么|啥|哪些)(问题|事情?|内容|东西)?/y,
  /我?(能|可以)问(你)?(些)?(什么|啥|哪些)(问题|内容)?/y,
  /你?(有)?(什么|啥|哪些)(用|功能|本事)/y,
  /(这个|你)?(怎么|如何|咋)(用|使用|提问|问)(你)?/y,
  /(请)?(介绍一下|介绍下|介绍)(你自己|自己|你)?/y,
  /自我介绍(一下)?/y,
  /帮助|help/y,
];

/** The listed words as they appear in cleaned text, where spaces are gone ("thank you" is "thankyou"). */
const compact = (words: string[]) => words.map((word) => word.replaceAll(" ", ""));
const GREETING_WORDS = compact(GREETINGS);
const LISTED_WORDS = [...GREETING_WORDS, ...compact(SMALL_TALK)];

/** Particles, ways of addressing the bot and repeats that add nothing ("你好呀小助手", "谢谢啦亲"). */
const FILLER = /(机器人|小助手|助手|客服|亲|同学|老师|啊|呀|呢|吧|哈|嘛|啦|哇|喔|嘿|哟|吗|的|了|~)/y;

/** What may follow a greeting at the front of a question ("你好呀小助手，…"): fewer, so no word of the question is lost. */
const GREETING_FILLER = /(机器人|小助手|助手|客服|啊|呀|哈|嘛|啦|哇|喔|哟|~)/y;

/** Everything that is not a letter or a digit: punctuation, symbols, emoji, spaces. */
const NOT_WORD = /[^\p{L}\p{N}]+/gu;

export function readChitChat(message: string): ChitChatReading {
  const cleaned = clean(message);
  if (isChitChat(cleaned)) return { kind: "chit-chat" };
  const greeting = leadingGreetingLength(cleaned);
  if (greeting === 0) return { kind: "question", question: message };
  return { kind: "question", question: afterCleanedPrefix(message, cleaned.slice(0, greeting)) };
}

/** True when the message is only chit-chat (see the module comment). */
export function isChitChatMessage(message: string): boolean {
  return isChitChat(clean(message));
}

function clean(text: string): string {
  return normalizeText(text).replace(NOT_WORD, "");
}

/** The cleaned message is made entirely of chit-chat phrases and filler, with at least one phrase. */
function isChitChat(cleaned: string): boolean {
  if (cleaned === "" || [...cleaned].length > MAX_CHIT_CHAT_CHARS) return false;
  let position = 0;
  let phrases = 0;
  while (position < cleaned.length) {
    const phrase = phraseAt(cleaned, position);
    if (phrase > 0) {
      phrases++;
      position += phrase;
      continue;
    }
    const filler = matchAt(FILLER, cleaned, position);
    if (filler === 0) return false;
    position += filler;
  }
  return phrases > 0;
}

/** The length of the longest chit-chat phrase at `position`, 0 when none starts there. */
function phraseAt(cleaned: string, position: number): number {
  let longest = 0;
  for (const word of LISTED_WORDS) if (wordAt(cleaned, position, word)) longest = Math.max(longest, word.length);
  for (const pattern of ABOUT_THE_BOT) longest = Math.max(longest, matchAt(pattern, cleaned, position));
  return longest;
}

/** A listed word at `position`; a Latin one only as a whole word ("hi" is not the start of "hiv"). */
function wordAt(cleaned: string, position: number, word: string): boolean {
  if (!cleaned.startsWith(word, position)) return false;
  return !/[a-z]$/.test(word) || !/[a-z]/.test(cleaned.charAt(position + word.length));
}

function matchAt(pattern: RegExp, text: string, position: number): number {
  pattern.lastIndex = position;
  const match = pattern.exec(text);
  return match ? match[0].length : 0;
}

/** How much of the cleaned message is greetings and filler at its front (0 when it starts otherwise). */
function leadingGreetingLength(cleaned: string): number {
  let position = 0;
  let greeted = false;
  for (;;) {
    const greeting = Math.max(0, ...GREETING_WORDS.map((word) => (wordAt(cleaned, position, word) ? word.length : 0)));
    if (greeting > 0) {
      greeted = true;
      position += greeting;
      continue;
    }
    // Filler only between or after greetings: "你好呀，…" loses "你好呀".
    const filler = greeted ? matchAt(GREETING_FILLER, cleaned, position) : 0;
    if (filler === 0) break;
    position += filler;
  }
  return greeted ? position : 0;
}

/**
 * The original message after the shortest front whose cleaned form is `cleanedPrefix`, without the
 * punctuation and spaces that followed it: the question keeps the user's own characters.
 */
function afterCleanedPrefix(message: string, cleanedPrefix: string): string {
  const characters = [...message];
  for (let end = 1; end <= characters.length; end++) {
    if (clean(characters.slice(0, end).join("")) !== cleanedPrefix) continue;
    return characters
      .slice(end)
      .join("")
      .replace(/^[^\p{L}\p{N}]+/u, "");
  }
  return message;
}
