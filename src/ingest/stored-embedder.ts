/**
 * The embedder of a stored model, made once per process for each model. Reading the local
 * embedder's model back (1.4 MB for medqa: its vocabulary and document frequencies) costs tens of
 * milliseconds, a good part of an incremental re-index; a server re-indexing again and again loads
 * the same model each time until a full re-index fits a new one. An embedder made from a stored
 * model is never fitted again (only a full re-index fits, and it starts from no model), so the
 * same one serves every re-index on that model.
 */
import { createEmbedder, type EmbedderConfig } from "../embeddings/create-embedder.js";
import type { KnowledgeEmbeddings } from "../embeddings/knowledge-embeddings.js";

let last: { key: string; embedder: KnowledgeEmbeddings } | undefined;

/** `modelSha256`: the manifest's checksum of the model file the bytes were read from (checked when read). */
export function storedEmbedder(config: EmbedderConfig, stored: { model: Buffer | null; dimensions: number; modelSha256?: string }): KnowledgeEmbeddings {
  if (config.kind !== "local" || !stored.model || !stored.modelSha256) return createEmbedder(config, stored);
  const key = JSON.stringify([config, stored.dimensions, stored.modelSha256]);
  if (last?.key !== key) last = { key, embedder: createEmbedder(config, stored) };
  return last.embedder;
}
