/**
 * XML for the self-built app. Every value stays a string: MsgId exceeds 2^53 and would be
 * corrupted by number parsing (4561255354251345929 → 4561255354251346000).
 */
import { XMLParser } from "fast-xml-parser";
import { malformed } from "./callback-http.js";

const parser = new XMLParser({
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  processEntities: { enabled: true, maxEntityCount: 20, maxTotalExpansions: 100, maxExpandedLength: 10_000 },
});

/** The children of the root `<xml>` element as strings; anything else is malformed. */
export function parseXmlFields(xml: string, what: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = parser.parse(xml, true);
  } catch (error) {
    throw malformed(what, "Expected WeCom's <xml>…</xml> body.", error);
  }
  const root = (parsed as { xml?: unknown } | undefined)?.xml;
  if (!root || typeof root !== "object" || Array.isArray(root)) throw malformed(what, "Expected WeCom's <xml>…</xml> body.");
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(root as Record<string, unknown>)) {
    if (typeof value === "string") fields[name] = value;
  }
  return fields;
}

function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;
}

/** Plaintext of a passive text reply (doc/90241). */
export function passiveTextXml(toUserId: string, corpId: string, content: string, createTime: number): string {
  return (
    `<xml><ToUserName>${cdata(toUserId)}</ToUserName><FromUserName>${cdata(corpId)}</FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType>${cdata("text")}</MsgType><Content>${cdata(content)}</Content></xml>`
  );
}

/** The encrypted envelope WeCom expects as the HTTP body of a passive reply. */
export function encryptedEnvelopeXml(reply: { encrypt: string; signature: string; timestamp: string; nonce: string }): string {
  return (
    `<xml><Encrypt>${cdata(reply.encrypt)}</Encrypt><MsgSignature>${cdata(reply.signature)}</MsgSignature>` +
    `<TimeStamp>${reply.timestamp}</TimeStamp><Nonce>${cdata(reply.nonce)}</Nonce></xml>`
  );
}
