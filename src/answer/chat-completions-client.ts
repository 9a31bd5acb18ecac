/**
 * A minimal client for the OpenAI-compatible `POST {baseUrl}/chat/completions` wire format, which
 * most hosted and local model servers speak. Every failure becomes a `CHAT_MODEL_REQUEST` error.
 */
import { KnowledgeBotError } from "../core/errors.js";

/** Where the chat model is and how long a reply may take (CHAT_MODEL_*; src/config.ts reads them). */
export interface ChatModelConfig {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatCompletionsClient {
  /** The assistant's reply text for the conversation. */
  complete(messages: ChatMessage[]): Promise<string>;
}

/** Servers quote a rejected key in their error message ("Incorrect API key provided: …"); it stays out of ours. */
function withoutKey(detail: unknown, apiKey: string | undefined): string | undefined {
  if (typeof detail !== "string") return undefined;
  const text = detail.slice(0, 300);
  return apiKey ? text.split(apiKey).join("[redacted]") : text;
}

export function createChatCompletionsClient(config: ChatModelConfig): ChatCompletionsClient {
  const endpoint = `${config.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const failure = (message: string, cause?: unknown) =>
    new KnowledgeBotError(
      "CHAT_MODEL_REQUEST",
      `Chat model request to ${endpoint} failed: ${message}`,
      "Check CHAT_MODEL_BASE_URL, CHAT_MODEL_NAME and CHAT_MODEL_API_KEY; answers fall back to retrieval-only meanwhile.",
      { cause },
    );

  return {
    async complete(messages) {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
          },
          // Low temperature: the model is asked to restate passages, not to be creative.
          body: JSON.stringify({ model: config.model, messages, temperature: 0.2, stream: false }),
          signal: AbortSignal.timeout(config.timeoutMs),
        });
      } catch (error) {
        const timedOut = (error as Error).name === "TimeoutError";
        throw failure(timedOut ? `no reply within ${config.timeoutMs} ms` : (error as Error).message, error);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch (error) {
        throw failure(`HTTP ${response.status} with a body that is not JSON`, error);
      }
      if (!response.ok) {
        const detail = withoutKey((body as { error?: { message?: string } })?.error?.message, config.apiKey);
        throw failure(`HTTP ${response.status}${detail ? `: ${detail}` : ""}`);
      }
      const content = (body as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
      if (typeof content !== "string" || content.trim() === "") throw failure("the reply has no message content");
      return content;
    },
  };
}
