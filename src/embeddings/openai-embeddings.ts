/**
 * Embeddings from any server speaking the OpenAI `/v1/embeddings` wire format: hosted Chinese
 * models, OpenAI itself, or a local Ollama. Batches inputs, retries 429 and 5xx with backoff
 * (honouring Retry-After), and fails clearly on a bad key or a change of dimensions.
 */
import pRetry, { AbortError } from "p-retry";
import { KnowledgeBotError } from "../core/errors.js";
import { type EmbedderDescriptor, KnowledgeEmbeddings } from "./knowledge-embeddings.js";

export const OPENAI_EMBEDDER_ID = "openai-compatible";

export interface OpenAiEmbeddingsOptions {
  /** e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 */
  baseUrl: string;
  apiKey?: string;
  model: string;
  batchSize?: number;
  /** Dimensions the index was built with; a server answering with others is refused. */
  expectedDimensions?: number;
  retries?: number;
  /** First backoff delay in ms; doubles each retry. */
  minRetryDelayMs?: number;
  timeoutMs?: number;
}

interface EmbeddingsResponse {
  data?: { index: number; embedding: number[] }[];
}

class RetryableStatus extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`embeddings server answered HTTP ${status}`);
  }
}

export class OpenAiEmbeddings extends KnowledgeEmbeddings {
  private readonly options: Required<Omit<OpenAiEmbeddingsOptions, "apiKey" | "expectedDimensions">> & Pick<OpenAiEmbeddingsOptions, "apiKey">;
  private dimensions: number;

  constructor(options: OpenAiEmbeddingsOptions) {
    super({});
    if (!options.model.trim()) throw new RangeError("an embeddings model name is required");
    this.options = {
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      apiKey: options.apiKey,
      model: options.model,
      batchSize: options.batchSize ?? 64,
      retries: options.retries ?? 4,
      minRetryDelayMs: options.minRetryDelayMs ?? 500,
      timeoutMs: options.timeoutMs ?? 60_000,
    };
    this.dimensions = options.expectedDimensions ?? 0;
  }

  describe(): EmbedderDescriptor {
    return { id: OPENAI_EMBEDDER_ID, model: this.options.model, dimensions: this.dimensions };
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.options.batchSize) {
      vectors.push(...(await this.embedBatch(texts.slice(start, start + this.options.batchSize))));
    }
    return vectors;
  }

  async embedQuery(text: string): Promise<number[]> {
    const [vector] = await this.embedBatch([text]);
    return vector;
  }

  private async embedBatch(inputs: string[]): Promise<number[][]> {
    // Empty strings are rejected by several servers; a single space embeds as "nothing".
    const input = inputs.map((text) => (text.trim() === "" ? " " : text));
    const response = await pRetry(() => this.request(input), {
      retries: this.options.retries,
      minTimeout: this.options.minRetryDelayMs,
      factor: 2,
      randomize: false,
      shouldRetry: ({ error }) => error instanceof RetryableStatus || error instanceof TypeError,
      onFailedAttempt: async ({ error }) => {
        // Wait what the server asked for, on top of the backoff.
        if (error instanceof RetryableStatus && error.retryAfterMs) await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs));
      },
    }).catch((error: unknown) => {
      if (error instanceof KnowledgeBotError) throw error;
      throw new KnowledgeBotError(
        "EMBEDDER_REQUEST",
        `Embeddings request to ${this.options.baseUrl}/embeddings failed: ${(error as Error).message}`,
        "Check EMBEDDINGS_BASE_URL and that the server is up; it was retried with backoff.",
        { cause: error },
      );
    });
    const data = [...(response.data ?? [])].sort((left, right) => left.index - right.index);
    if (data.length !== input.length) {
      throw new KnowledgeBotError(
        "EMBEDDER_REQUEST",
        `Embeddings server returned ${data.length} vectors for ${input.length} inputs`,
        "Check that the server speaks the OpenAI /v1/embeddings format.",
      );
    }
    for (const { embedding } of data) {
      if (this.dimensions === 0) this.dimensions = embedding.length;
      if (embedding.length !== this.dimensions) {
        throw new KnowledgeBotError(
          "EMBEDDER_DIMENSIONS",
          `Embeddings model ${this.options.model} returned ${embedding.length} dimensions, but the index uses ${this.dimensions}`,
          "The model or its settings changed: run `kb reindex --full` to rebuild the index with it.",
        );
      }
    }
    return data.map(({ embedding }) => embedding);
  }

  private async request(input: string[]): Promise<EmbeddingsResponse> {
    const response = await fetch(`${this.options.baseUrl}/embeddings`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: this.options.model, input, encoding_format: "float" }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (response.status === 401 || response.status === 403) {
      throw new AbortError(
        new KnowledgeBotError(
          "EMBEDDER_AUTH",
          `Embeddings server ${this.options.baseUrl} refused the API key (HTTP ${response.status})`,
          "Set EMBEDDINGS_API_KEY to a valid key for this server.",
        ),
      );
    }
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get("retry-after"));
      await response.body?.cancel();
      throw new RetryableStatus(response.status, Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 30) * 1000 : undefined);
    }
    if (!response.ok) {
      // Servers may quote the key they refused; it stays out of the error (and so out of logs).
      const text = await response.text();
      const detail = (this.options.apiKey ? text.split(this.options.apiKey).join("[redacted]") : text).slice(0, 300);
      throw new AbortError(
        new KnowledgeBotError(
          "EMBEDDER_REQUEST",
          `Embeddings server answered HTTP ${response.status}: ${detail}`,
          "Check EMBEDDINGS_MODEL and the server's documentation.",
        ),
      );
    }
    return (await response.json()) as EmbeddingsResponse;
  }
}
