/**
 * Runs one full re-index in a child process, so a test can kill it mid-way.
 * Args: knowledgeDir indexDir [minimum chunks of a sharded graph].
 */
import { buildIndex } from "../../src/ingest/build-index.js";

const [knowledgeDir, indexDir, shardFrom] = process.argv.slice(2);
await buildIndex({
  knowledgeDir,
  indexDir,
  embedder: { kind: "local", batchSize: 64 },
  full: true,
  ...(shardFrom ? { graphSharding: { minChunks: Number(shardFrom), count: 2 } } : {}),
});
