/**
 * A checker for Telegram's HTML parse mode, written from the Bot API documentation and kept apart
 * from the adapter's own code so the tests do not grade the adapter with its own ruler.
 */

export type HtmlCheck = { ok: true; visibleText: string } | { ok: false; description: string };

const allowedTags = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span", "a", "tg-emoji", "code", "pre", "blockquote"]);
const entityPattern = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/;

function decodeEntity(name: string): string {
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
  if (name in named) return named[name];
  return String.fromCodePoint(name.startsWith("#x") ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10));
}

function checkAttributeValue(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    if (value[index] === "<") return false;
    if (value[index] === "&" && !entityPattern.test(value.slice(index))) return false;
  }
  return true;
}

/** Parses like Telegram does; on success returns the visible text that counts against the limit. */
export function parseTelegramHtml(html: string): HtmlCheck {
  const stack: string[] = [];
  let visibleText = "";
  let index = 0;
  const fail = (reason: string): HtmlCheck => ({ ok: false, description: `Bad Request: can't parse entities: ${reason} at byte offset ${index}` });

  while (index < html.length) {
    const rest = html.slice(index);
    if (rest[0] === "<") {
      const close = /^<\/([a-zA-Z-]+)\s*>/.exec(rest);
      if (close) {
        const name = close[1].toLowerCase();
        if (stack[stack.length - 1] !== name) return fail(`Can't find end tag corresponding to start tag "${name}"`);
        stack.pop();
        index += close[0].length;
        continue;
      }
      const open = /^<([a-zA-Z-]+)((?:\s+[a-zA-Z-]+\s*=\s*"[^"]*")*)\s*>/.exec(rest);
      if (!open) return fail("Unsupported start tag");
      const name = open[1].toLowerCase();
      if (!allowedTags.has(name)) return fail(`Unsupported start tag "${name}"`);
      const attributes = new Map<string, string>();
      for (const attribute of open[2].matchAll(/([a-zA-Z-]+)\s*=\s*"([^"]*)"/g)) {
        if (!checkAttributeValue(attribute[2])) return fail("Unexpected character in attribute value");
        attributes.set(attribute[1].toLowerCase(), attribute[2]);
      }
      if (name === "a" && !attributes.has("href")) return fail('Tag "a" must have attribute "href"');
      if (name === "span" && attributes.get("class") !== "tg-spoiler") return fail('Tag "span" must have class "tg-spoiler"');
      if (name === "blockquote" && stack.includes("blockquote")) return fail("Blockquote entities can't be nested");
      if (stack.includes("pre") || stack.includes("code")) {
        if (!(name === "code" && stack[stack.length - 1] === "pre")) return fail("Entities can't be nested in pre or code");
      }
      stack.push(name);
      index += open[0].length;
      continue;
    }
    if (rest[0] === "&") {
      const entity = entityPattern.exec(rest);
      if (!entity) return fail("Character entity expected");
      visibleText += decodeEntity(entity[1]);
      index += entity[0].length;
      continue;
    }
    visibleText += rest[0];
    index += 1;
  }
  if (stack.length > 0) return fail(`Can't find end tag corresponding to start tag "${stack[stack.length - 1]}"`);
  return { ok: true, visibleText };
}

/** Telegram's rule for button URLs: http(s) or tg scheme, and a host with a dot. */
export function isAcceptedButtonUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "tg:") return true;
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && /\.[^.]+$/.test(parsed.hostname);
  } catch {
    return false;
  }
}
