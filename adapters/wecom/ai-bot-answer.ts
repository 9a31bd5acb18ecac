/**
 * What both AI-bot modes (the callback on /wecom/bot and the long connection) do with a question
 * and with a 👍 / 👎 press, so the two answer and count votes the same way.
 */
import type { Logger } from "pino";
import type { Incoming, Responder } from "../../src/conversation/incoming.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import type { AiBotMessage } from "./ai-bot-message.js";
import { claimDelivery, confirmDelivery, type DeliveryClaims } from "./delivery-claims.js";
import type { NativeFeedback } from "./native-feedback.js";
import { renderReplyWithin, STREAM_CONTENT_MAX_BYTES } from "./render-reply.js";
import { toWecomReply, type Reply } from "./wecom-reply.js";

/** The responder's reply as the stream's final markdown (within WeCom's 20 480 bytes); a press under the stream then votes on it. */
export async function answerForStream(
  responder: Responder,
  incoming: Incoming,
  feedback: NativeFeedback,
  streamId: string,
): Promise<{ markdown: string; kind: Reply["kind"] }> {
  const responded = await responder.respond(incoming);
  const reply = toWecomReply(responded) ?? { kind: "notice", markdown: REPLY_TEXTS.failed };
  // Linked before the answer shows, so a press on it always finds its answer.
  if (responded.kind === "answer") await feedback.link(streamId, responded.answerId);
  return { markdown: renderReplyWithin(reply, STREAM_CONTENT_MAX_BYTES), kind: reply.kind };
}

/** Records a `feedback_event` as the user's vote, once per event msgid. */
export async function recordFeedbackEvent(
  message: AiBotMessage,
  dependencies: { feedback: NativeFeedback; claims?: DeliveryClaims; logger: Logger; surface: string },
): Promise<void> {
  const { feedback, claims, logger, surface } = dependencies;
  if (!message.feedback) {
    logger.warn({ surface, messageId: message.msgid }, "wecom: feedback_event without an id and a type; ignored");
    return;
  }
  // Event callbacks may be delivered twice; a late copy of an earlier press must not undo a later one.
  const claimId = `${surface}-event:${message.msgid}`;
  if (!(await claimDelivery(claims, claimId, logger))) return;
  try {
    const result = await feedback.record(message.feedback, message.userId);
    logger.info({ surface, feedbackType: message.feedback.type, result }, "wecom: feedback");
  } catch (error) {
    logger.warn({ surface, err: error }, "wecom: feedback not recorded");
  }
  await confirmDelivery(claims, claimId, logger);
}
