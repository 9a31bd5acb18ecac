/**
 * Every embedder is a LangChain `Embeddings`, so it plugs into the HNSWLib store unchanged, and
 * states who it is: the index manifest records this and refuses to load with a different one.
 */
import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings";
import type { BuildPacer } from "../core/build-pacer.js";

export interface EmbedderDescriptor {
  /** The embedder's kind and version, e.g. "local-lsa-v1" or "openai-compatible". */
  id: string;
  /** The model: a remote model name, or the fingerprint of a corpus-fitted local model. */
  model: string;
  dimensions: number;
}

export abstract class KnowledgeEmbeddings extends Embeddings {
  constructor(params: EmbeddingsParams = {}) {
    super(params);
  }

  /** Who this embedder is; `dimensions` may be 0 until the first remote call has answered. */
  abstract describe(): EmbedderDescriptor;

  /**
   * Corpus-fitted embedders learn from the texts of a full re-index; others ignore this. Returns
   * whether the model changed (then every vector must be recomputed).
   */
  async fit(_texts: string[], _pacer?: BuildPacer): Promise<boolean> {
    return false;
  }

  /** The fitted state to store beside the index; null for embedders with nothing to store. */
  serializeModel(): Buffer | null {
    return null;
  }
}
