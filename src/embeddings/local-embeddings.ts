/**
 * The default embedder: offline, no model download, deterministic. It is fitted to the knowledge
 * folder at re-index time. A text becomes TF-IDF weights over jieba words and character bigrams
 * (IDF learned from the folder), hashed into a dense vector.
 */
import { createHash } from "node:crypto";
import type { BuildPacer } from "../core/build-pacer.js";
import { mixedTerms } from "../text/chinese-terms.js";
import { joinTerms, splitTerms } from "../text/sorted-terms.js";
import { hashedSlot, normalizeInPlace } from "./feature-hashing.js";
import { type EmbedderDescriptor, KnowledgeEmbeddings } from "./knowledge-embeddings.js";
import { TermStatistics } from "./term-statistics.js";

export const LOCAL_EMBEDDER_ID = "local-hashed-tfidf-v1";
const DEFAULT_DIMENSIONS = 128;

interface SerializedModel {
  id: string;
  dimensions: number;
  documentCount: number;
  /** Stored so loading does not re-hash every term; recomputed only when the model is fitted. */
  fingerprint: string;
  /** Every term in ascending order, NUL-separated (one string parses far faster than an array). */
  terms: string;
  frequencies: number[];
}

export class LocalEmbeddings extends KnowledgeEmbeddings {
  readonly dimensions: number;
  private statistics: TermStatistics;
  private fingerprint: string;
  /** The bytes this model was loaded from, written back as they are until it is fitted again. */
  private serialized: Buffer | undefined;

  constructor(options: { dimensions?: number; statistics?: TermStatistics; fingerprint?: string } = {}) {
    super({});
    this.dimensions = options.dimensions ?? DEFAULT_DIMENSIONS;
    this.statistics = options.statistics ?? new TermStatistics(0, new Map());
    this.fingerprint = options.fingerprint ?? this.computeFingerprint();
  }

  static fromSerializedModel(model: Buffer): LocalEmbeddings {
    const parsed = JSON.parse(model.toString("utf8")) as SerializedModel;
    if (parsed.id !== LOCAL_EMBEDDER_ID) throw new Error(`model file is for ${parsed.id}, not ${LOCAL_EMBEDDER_ID}`);
    if (typeof parsed.terms !== "string" || !Array.isArray(parsed.frequencies)) throw new Error("model file is in an older format; run `kb reindex --full`");
    const terms = splitTerms(parsed.terms);
    if (terms.length !== parsed.frequencies.length) throw new Error(`model file lists ${terms.length} terms but ${parsed.frequencies.length} frequencies`);
    const embeddings = new LocalEmbeddings({
      dimensions: parsed.dimensions,
      statistics: new TermStatistics(parsed.documentCount, { terms, frequencies: parsed.frequencies }),
      fingerprint: parsed.fingerprint,
    });
    embeddings.serialized = model;
    return embeddings;
  }

  describe(): EmbedderDescriptor {
    return { id: LOCAL_EMBEDDER_ID, model: this.fingerprint, dimensions: this.dimensions };
  }

  override async fit(texts: string[], pacer?: BuildPacer): Promise<boolean> {
    const before = this.fingerprint;
    this.serialized = undefined;
    const documents = (function* () {
      for (const text of texts) yield mixedTerms(text);
    })();
    // Segmenting every text is seconds of work on a large folder: paced so the build stays responsive.
    this.statistics = pacer ? await pacer.drive(TermStatistics.collect(documents, pacer.due)) : TermStatistics.fromDocuments(documents);
    this.fingerprint = this.computeFingerprint();
    return this.fingerprint !== before;
  }

  /**
   * fit() for texts already segmented: `documents` are the texts' terms as ids into `terms`, in
   * the order mixedTerms gives them. Learns exactly what fit() on the texts would.
   */
  async fitTermIds(terms: readonly string[], documents: readonly Int32Array[], pacer?: BuildPacer): Promise<void> {
    this.serialized = undefined;
    const frequency = new Int32Array(terms.length);
    /** The last document that counted each term, so a term counts once per document. */
    const countedIn = new Int32Array(terms.length).fill(-1);
    for (let document = 0; document < documents.length; document++) {
      for (const id of documents[document]) {
        if (countedIn[id] === document) continue;
        countedIn[id] = document;
        frequency[id]++;
      }
      if (pacer?.due()) await pacer.pause();
    }
    const table = new Map<string, number>();
    for (let id = 0; id < terms.length; id++) if (frequency[id] > 0) table.set(terms[id], frequency[id]);
    this.statistics = new TermStatistics(documents.length, table);
    this.fingerprint = this.computeFingerprint();
  }

  /**
   * embedText() for a text already segmented into term ids of `terms` (see fitTermIds): the same
   * vector, bit for bit, because terms are weighed and added in the same order. Each term's weight
   * and slot are worked out once per table and kept in `cache`.
   */
  embedTermIds(terms: readonly string[], ids: Int32Array, cache: TermIdCache): Float32Array {
    const { counts, order } = cache;
    for (const id of ids) {
      if (counts[id] === 0) order.push(id);
      counts[id]++;
    }
    const vector = new Float32Array(this.dimensions);
    for (const id of order) {
      if (Number.isNaN(cache.idf[id])) {
        cache.idf[id] = this.statistics.idf(terms[id]);
        const { slot, sign } = hashedSlot(terms[id], this.dimensions);
        cache.slot[id] = slot;
        cache.sign[id] = sign;
      }
      const weight = (1 + Math.log(counts[id])) * cache.idf[id];
      vector[cache.slot[id]] += cache.sign[id] * weight;
      counts[id] = 0;
    }
    order.length = 0;
    normalizeInPlace(vector);
    return vector;
  }

  override serializeModel(): Buffer {
    if (this.serialized) return this.serialized;
    const { terms, frequencies } = this.statistics.sorted();
    const model: SerializedModel = {
      id: LOCAL_EMBEDDER_ID,
      dimensions: this.dimensions,
      documentCount: this.statistics.documentCount,
      fingerprint: this.fingerprint,
      terms: joinTerms(terms),
      frequencies: Array.from(frequencies),
    };
    return Buffer.from(JSON.stringify(model));
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((text) => Array.from(this.embedText(text)));
  }

  async embedQuery(text: string): Promise<number[]> {
    return Array.from(this.embedText(text));
  }

  embedText(text: string): Float32Array {
    const counts = new Map<string, number>();
    for (const term of mixedTerms(text)) counts.set(term, (counts.get(term) ?? 0) + 1);
    const vector = new Float32Array(this.dimensions);
    for (const [term, count] of counts) {
      const weight = (1 + Math.log(count)) * this.statistics.idf(term);
      const { slot, sign } = hashedSlot(term, this.dimensions);
      vector[slot] += sign * weight;
    }
    normalizeInPlace(vector);
    return vector;
  }

  private computeFingerprint(): string {
    const hash = createHash("sha256").update(`${LOCAL_EMBEDDER_ID}:${this.dimensions}:${this.statistics.documentCount}:`);
    const { terms, frequencies } = this.statistics.sorted();
    terms.forEach((term, index) => hash.update(`${term}\t${frequencies[index]}\n`));
    return hash.digest("hex").slice(0, 16);
  }
}

/** Per-table scratch and memo for embedTermIds; make one per term table, after fitting. */
export class TermIdCache {
  readonly counts: Uint32Array;
  readonly order: number[] = [];
  readonly idf: Float64Array;
  readonly slot: Int32Array;
  readonly sign: Int8Array;

  constructor(termCount: number) {
    this.counts = new Uint32Array(termCount);
    this.idf = new Float64Array(termCount).fill(Number.NaN);
    this.slot = new Int32Array(termCount);
    this.sign = new Int8Array(termCount);
  }
}
