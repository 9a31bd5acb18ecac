/**
 * Builds callbacks the way WeCom sends them: encrypted with `@wecom/crypto`, signed over
 * (token, timestamp, nonce, encrypt), with the signature in the query string.
 */
import { randomBytes } from "node:crypto";
import { decrypt, encrypt, getSignature } from "@wecom/crypto";

export interface SurfaceKeys {
  token: string;
  encodingAesKey: string;
  /** CorpID for the app, "" for the AI bot. */
  receiveId: string;
}

export interface SealedCallback {
  encrypt: string;
  /** `msg_signature=…&timestamp=…&nonce=…` (plus `echostr` for URL verification). */
  query: string;
}

export function sealCallback(keys: SurfaceKeys, plaintext: string, options: { timestamp?: number; nonce?: string } = {}): SealedCallback {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? randomBytes(6).readUIntBE(0, 6).toString();
  const encrypted = encrypt(keys.encodingAesKey, plaintext, keys.receiveId);
  const signature = getSignature(keys.token, timestamp, nonce, encrypted);
  return { encrypt: encrypted, query: new URLSearchParams({ msg_signature: signature, timestamp, nonce }).toString() };
}

/** Query string of a URL-verification GET, echostr percent-encoded as WeCom sends it. */
export function verificationQuery(keys: SurfaceKeys, echo: string, options: { timestamp?: number; nonce?: string } = {}): string {
  const sealed = sealCallback(keys, echo, options);
  return `${sealed.query}&echostr=${encodeURIComponent(sealed.encrypt)}`;
}

export function appTextMessageXml(message: { corpId: string; userId: string; content: string; msgId: string; agentId: string }): string {
  return (
    `<xml><ToUserName><![CDATA[${message.corpId}]]></ToUserName><FromUserName><![CDATA[${message.userId}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${message.content}]]></Content><MsgId>${message.msgId}</MsgId><AgentID>${message.agentId}</AgentID></xml>`
  );
}

/** The POST body of an app callback: the envelope around the encrypted message. */
export function appCallbackBody(corpId: string, agentId: string, encrypted: string): string {
  return `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><AgentID><![CDATA[${agentId}]]></AgentID><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
}

export function aiBotTextMessage(message: { msgid: string; userId: string; content: string; chatid?: string; responseUrl?: string }): string {
  return JSON.stringify({
    ...aiBotEnvelope(message),
    response_url: message.responseUrl,
    msgtype: "text",
    text: { content: message.content },
  });
}

export function aiBotRefreshMessage(message: { msgid: string; userId: string; streamId: string; chatid?: string }): string {
  return JSON.stringify({ ...aiBotEnvelope(message), msgtype: "stream", stream: { id: message.streamId } });
}

/** The fields every AI-bot callback carries: who wrote, where, under which message id. */
function aiBotEnvelope(message: { msgid: string; userId: string; chatid?: string }) {
  return {
    msgid: message.msgid,
    aibotid: "aib-test",
    chatid: message.chatid,
    chattype: message.chatid ? "group" : "single",
    from: { userid: message.userId },
  };
}

/** Opens a passive AI-bot reply as WeCom would: checks the signature, then decrypts. */
export function openPassiveReply(
  keys: SurfaceKeys,
  reply: { encrypt: string; msgsignature: string; timestamp: number; nonce: string },
): { json: unknown; receiveId: string; signatureValid: boolean } {
  const signatureValid = getSignature(keys.token, reply.timestamp, reply.nonce, reply.encrypt) === reply.msgsignature;
  const opened = decrypt(keys.encodingAesKey, reply.encrypt);
  return { json: JSON.parse(opened.message) as unknown, receiveId: opened.id, signatureValid };
}
