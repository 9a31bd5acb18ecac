/**
 * Splits Telegram HTML into messages Telegram accepts. The limit (4,096) applies to the visible
 * text after entity parsing, so tags cost nothing and `&amp;` counts as one character. Cuts prefer
 * paragraph, then line, then sentence, then word boundaries; an element cut in two is closed at the
 * end of one message and reopened at the start of the next, so every message parses on its own.
 */

export const TELEGRAM_MESSAGE_LIMIT = 4096;

type OpenToken = { kind: "open"; name: string; raw: string };
type Token = OpenToken | { kind: "close"; name: string; raw: string } | { kind: "text"; raw: string; decoded: string };

/** Break quality, best last: a cut after a blank line beats one after a sentence, and so on. */
const BreakClass = { Anywhere: 0, Word: 1, Sentence: 2, Line: 3, Paragraph: 4 } as const;
type BreakClass = (typeof BreakClass)[keyof typeof BreakClass];

const sentenceEnd = /^[。！？；…]$/;
const latinSentenceEnd = /^[.!?;]$/;

/** The text Telegram shows for this HTML: tags dropped, entities decoded. */
export function visibleText(html: string): string {
  return tokenize(html)
    .map((token) => (token.kind === "text" ? token.decoded : ""))
    .join("");
}

/** Visible length of Telegram HTML, as Telegram counts it against the limit. */
export function visibleLength(html: string): number {
  return visibleText(html).length;
}

export function splitMessage(html: string, limit: number = TELEGRAM_MESSAGE_LIMIT): string[] {
  const tokens = tokenize(html);
  const messages: string[] = [];
  let start = 0;
  let openAtStart: OpenToken[] = [];

  while (start < tokens.length) {
    // A message never starts with blank space outside elements.
    while (start < tokens.length && openAtStart.length === 0 && isBlank(tokens[start])) start += 1;
    if (start >= tokens.length) break;

    const cut = findCut(tokens, start, openAtStart.length, limit);
    const stack = [...openAtStart];
    let body = openAtStart.map((token) => token.raw).join("");
    for (let index = start; index <= cut; index += 1) {
      const token = tokens[index];
      body += token.raw;
      if (token.kind === "open") stack.push(token);
      if (token.kind === "close" && stack.length > 0 && stack[stack.length - 1].name === token.name) stack.pop();
    }
    const closers = [...stack]
      .reverse()
      .map((token) => `</${token.name}>`)
      .join("");
    const message = body.trimEnd() + closers;
    if (visibleLength(message) > 0) messages.push(message);
    openAtStart = stack;
    start = cut + 1;
  }
  return messages;
}

/** Index of the last token of the next message, chosen among the best-quality breaks that fit. */
function findCut(tokens: Token[], start: number, initialDepth: number, limit: number): number {
  const bestByClass = new Map<BreakClass, number>();
  let visible = 0;
  let depth = initialDepth;
  // A break this early would make a needlessly short message; a worse break further on is preferred.
  const minimumFill = Math.floor(limit / 3);
  const fillAtBreak = new Map<BreakClass, number>();

  for (let index = start; index < tokens.length; index += 1) {
    const token = tokens[index];
    if (token.kind === "open") depth += 1;
    else if (token.kind === "close") depth = Math.max(0, depth - 1);
    else {
      if (visible + token.decoded.length > limit) break;
      visible += token.decoded.length;
    }
    const breakClass = classifyBreak(tokens, index, depth);
    if (breakClass !== undefined) {
      bestByClass.set(breakClass, index);
      fillAtBreak.set(breakClass, visible);
    }
    if (index === tokens.length - 1) return index;
  }

  for (const breakClass of [BreakClass.Paragraph, BreakClass.Line, BreakClass.Sentence, BreakClass.Word]) {
    const index = bestByClass.get(breakClass);
    if (index !== undefined && (fillAtBreak.get(breakClass) ?? 0) >= minimumFill) return index;
  }
  for (const breakClass of [BreakClass.Paragraph, BreakClass.Line, BreakClass.Sentence, BreakClass.Word, BreakClass.Anywhere]) {
    const index = bestByClass.get(breakClass);
    if (index !== undefined) return index;
  }
  // Not even one character fits (a limit below 1): emit the token alone rather than loop forever.
  return start;
}

/** The quality of cutting right after `tokens[index]`, or undefined when no cut is allowed there. */
function classifyBreak(tokens: Token[], index: number, depthAfter: number): BreakClass | undefined {
  const token = tokens[index];
  const next = tokens[index + 1];
  // Never leave an opening tag dangling at the end of a message.
  if (token.kind === "open") return undefined;
  if (token.kind === "close") return depthAfter === 0 ? BreakClass.Word : BreakClass.Anywhere;
  if (depthAfter > 0) return BreakClass.Anywhere;
  const character = token.decoded;
  if (character === "\n") {
    const previous = tokens[index - 1];
    return previous?.kind === "text" && previous.decoded === "\n" ? BreakClass.Paragraph : BreakClass.Line;
  }
  if (sentenceEnd.test(character)) return BreakClass.Sentence;
  if (latinSentenceEnd.test(character) && (next === undefined || (next.kind === "text" && /^\s$/.test(next.decoded)))) {
    return BreakClass.Sentence;
  }
  if (/^\s$/.test(character)) return BreakClass.Word;
  return BreakClass.Anywhere;
}

function isBlank(token: Token): boolean {
  return token.kind === "text" && /^\s$/.test(token.decoded);
}

const namedEntities: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** Splits HTML into tags and single visible characters (an entity or a surrogate pair is one token). */
function tokenize(html: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < html.length) {
    const character = html[index];
    if (character === "<") {
      const end = html.indexOf(">", index);
      if (end !== -1) {
        const raw = html.slice(index, end + 1);
        const match = /^<(\/?)([a-zA-Z][\w-]*)/.exec(raw);
        if (match) {
          tokens.push({ kind: match[1] ? "close" : "open", name: match[2].toLowerCase(), raw });
          index = end + 1;
          continue;
        }
      }
    }
    if (character === "&") {
      const match = /^&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/.exec(html.slice(index, index + 12));
      if (match) {
        tokens.push({ kind: "text", raw: match[0], decoded: decodeEntity(match[1]) });
        index += match[0].length;
        continue;
      }
    }
    const codePoint = html.codePointAt(index) ?? 0;
    const text = String.fromCodePoint(codePoint);
    tokens.push({ kind: "text", raw: text, decoded: text });
    index += text.length;
  }
  return tokens;
}

function decodeEntity(name: string): string {
  if (name.startsWith("#x") || name.startsWith("#X")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
  if (name.startsWith("#")) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
  return namedEntities[name.toLowerCase()] ?? `&${name};`;
}
