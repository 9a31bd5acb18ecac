/** The one switch between embedders, from configuration. */
import type { KnowledgeEmbeddings } from "./knowledge-embeddings.js";
import { LOCAL_EMBEDDER_ID, LocalEmbeddings } from "./local-embeddings.js";
import { OPENAI_EMBEDDER_ID, OpenAiEmbeddings } from "./openai-embeddings.js";

/** Which embedder to use and how to reach it (EMBEDDER, EMBEDDINGS_*; src/config.ts reads them). */
export interface EmbedderConfig {
  kind: "local" | "openai";
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  batchSize: number;
}

/**
 * Builds the configured embedder. `storedModel` is the fitted state saved with an index (for the
 * local embedder) so that queries are embedded exactly as the index was.
 */
export function createEmbedder(config: EmbedderConfig, stored?: { model: Buffer | null; dimensions?: number }): KnowledgeEmbeddings {
  if (config.kind === "openai") {
    return new OpenAiEmbeddings({
      baseUrl: config.baseUrl!,
      apiKey: config.apiKey,
      model: config.model!,
      batchSize: config.batchSize,
      expectedDimensions: stored?.dimensions,
    });
  }
  return stored?.model ? LocalEmbeddings.fromSerializedModel(stored.model) : new LocalEmbeddings();
}

/** The embedder id the configuration asks for, to compare with an index's manifest. */
export function configuredEmbedderId(config: EmbedderConfig): string {
  return config.kind === "openai" ? OPENAI_EMBEDDER_ID : LOCAL_EMBEDDER_ID;
}
