/**
 * The generative answer mode: a chat model rewrites the retrieval-only answer into fluent prose,
 * strictly from the cited passages. Whatever it returns is read into paragraphs with the citation
 * numbers each cites — unknown `[n]` dropped, any disclaimer it wrote removed (the policy's flag
 * decides that) — and any failure returns the retrieval-only answer unchanged.
 */
import type { Logger } from "../core/logger.js";
import type { Answer } from "../core/types.js";
import type { ChatCompletionsClient, ChatMessage } from "./chat-completions-client.js";
import { withAnswerText } from "./answer-text.js";
import { citesAnything, markedParagraphs } from "./citation-markers.js";

const SYSTEM_PROMPT = [
  "你是知识库问答助手。只能根据用户消息中给出的编号资料回答问题，不得添加资料以外的任何事实、数字或建议。",
  "每句话后面用 [n] 标出它依据的资料编号，n 只能是资料里出现的编号。",
  "资料不足以回答时，只说明资料中有的内容。用简体中文，简洁、分段清楚，不要写免责声明。",
].join("\n");

export type AnswerRewriter = (answer: Answer, question: string) => Promise<Answer>;

export function buildMessages(answer: Answer, question: string): ChatMessage[] {
  const material = answer.citations
    .map((citation) => {
      const passages = answer.passages.filter((passage) => passage.sourceId === citation.sourceId).map((passage) => passage.text);
      return `[${citation.n}] 《${citation.title}》\n${passages.join("\n")}`;
    })
    .join("\n\n");
  return [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: `资料：\n${material}\n\n问题：${question}` },
  ];
}

export function createGenerativeRewriter(client: ChatCompletionsClient, logger?: Logger): AnswerRewriter {
  return async (answer, question) => {
    if (answer.noAnswer || answer.citations.length === 0) return answer;
    const started = performance.now();
    try {
      const reply = await client.complete(buildMessages(answer, question));
      const numbers = new Set(answer.citations.map((citation) => citation.n));
      const paragraphs = markedParagraphs(reply, numbers);
      // A reply that cites nothing cannot be checked against the passages: keep the quoted answer.
      if (!citesAnything(paragraphs)) {
        logger?.warn({ durationMs: Math.round(performance.now() - started) }, "chat model reply cites no passage; sending the retrieval-only answer");
        return answer;
      }
      logger?.debug({ durationMs: Math.round(performance.now() - started) }, "answer rewritten by the chat model");
      return withAnswerText({ ...answer, paragraphs });
    } catch (error) {
      logger?.warn({ err: error, durationMs: Math.round(performance.now() - started) }, "chat model failed; sending the retrieval-only answer");
      return answer;
    }
  };
}
