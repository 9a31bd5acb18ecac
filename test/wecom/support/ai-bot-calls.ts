/**
 * Drives /wecom/bot the way WeCom does — signed, encrypted callbacks — and opens the passive
 * replies the way WeCom would, checking the nonce, the signature and the empty receiveid.
 */
import { expect } from "vitest";
import { openPassiveReply, sealCallback, type SurfaceKeys } from "../../../adapters/wecom/testing/signed-callbacks.js";
import { post } from "./http.js";
import { BOT_KEYS } from "./wecom-test-server.js";

export const botKeys: SurfaceKeys = { token: BOT_KEYS.token, encodingAesKey: BOT_KEYS.encodingAesKey, receiveId: "" };

export interface StreamReply {
  id: string;
  finish: boolean;
  content: string;
  feedback?: { id: string };
}

/** POSTs one callback to `baseUrl`/wecom/bot; returns the status, the raw body and the nonce it was signed with. */
export async function callBot(baseUrl: string, plaintext: string): Promise<{ status: number; text: string; nonce: string }> {
  const sealed = sealCallback(botKeys, plaintext);
  const response = await post(`${baseUrl}/wecom/bot?${sealed.query}`, JSON.stringify({ encrypt: sealed.encrypt }), "application/json");
  return { ...response, nonce: new URLSearchParams(sealed.query).get("nonce")! };
}

/** A callback whose passive reply must be a stream; returns the stream as WeCom reads it. */
export async function callStream(baseUrl: string, plaintext: string): Promise<StreamReply> {
  const response = await callBot(baseUrl, plaintext);
  expect(response.status).toBe(200);
  const reply = JSON.parse(response.text) as { encrypt: string; msgsignature: string; timestamp: number; nonce: string };
  expect(reply.nonce).toBe(response.nonce);
  const opened = openPassiveReply(botKeys, reply);
  expect(opened.signatureValid).toBe(true);
  expect(opened.receiveId).toBe("");
  const json = opened.json as { msgtype: string; stream: StreamReply };
  expect(json.msgtype).toBe("stream");
  return json.stream;
}

/** A `feedback_event` callback as WeCom sends it when someone presses 👍 (type 1) or 👎 (type 2). */
export function aiBotFeedbackEvent(event: {
  msgid: string;
  userId: string;
  feedbackId: string;
  type: number;
  content?: string;
  reasons?: (string | number)[];
}): string {
  return JSON.stringify({
    msgid: event.msgid,
    create_time: Math.floor(Date.now() / 1000),
    aibotid: "aib-test",
    chattype: "single",
    from: { userid: event.userId },
    msgtype: "event",
    event: {
      eventtype: "feedback_event",
      feedback_event: { id: event.feedbackId, type: event.type, content: event.content, inaccurate_reason_list: event.reasons },
    },
  });
}
