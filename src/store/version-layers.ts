/**
 * The rows of a layered version (see ManifestLayers): where each of its sources and chunks lives,
 * in the base files it links unchanged or in its own, and the vectors of the chunks its linked
 * graph does not hold yet. An incremental re-index writes only its own rows; a reader puts the
 * version together again, row for row what the version would hold had every file been rewritten.
 */
import { INDEX_FILES } from "./index-layout.js";
import type { ManifestLayers } from "./manifest.js";
import { indexFileCorrupt } from "./version-files.js";

export const BASE_LAYER = 0;
export const OWN_LAYER = 1;

/** Where the base files of a layered version are: the rows of the build it was layered on. */
export const BASE_FILES = {
  sources: `base/${INDEX_FILES.sources}`,
  chunks: `base/${INDEX_FILES.chunks}`,
  keywords: `base/${INDEX_FILES.keywords}`,
} as const;

/** The vectors of `addedGraphLabels`, float32 little-endian, one row of `dimensions` per label. */
export const ADDED_VECTORS_FILE = "vectors.bin";

/** Each row of a version: its layer and its row in that layer's file. */
export interface RowPlaces {
  layer: Uint8Array;
  row: Int32Array;
}

/** Runs of [layer, first row, count] for rows given one by one. */
export function toRuns(places: RowPlaces): number[] {
  const runs: number[] = [];
  for (let index = 0; index < places.layer.length; index++) {
    const last = runs.length - 3;
    if (last >= 0 && runs[last] === places.layer[index] && runs[last + 1] + runs[last + 2] === places.row[index]) runs[last + 2]++;
    else runs.push(places.layer[index], places.row[index], 1);
  }
  return runs;
}

/**
 * The rows the runs describe, after checking that they cover `total` rows, each base row at most
 * once and each own row exactly once: a manifest that points elsewhere is INDEX_CORRUPT.
 */
export function expandRuns(runs: unknown, total: number, layerSizes: [number, number], directory: string): RowPlaces {
  const corrupt = (problem: string) => indexFileCorrupt(directory, INDEX_FILES.manifest, `its layers ${problem}`);
  if (!Array.isArray(runs) || runs.length % 3 !== 0) throw corrupt("are not runs of three numbers");
  const places: RowPlaces = { layer: new Uint8Array(total), row: new Int32Array(total) };
  const used = [new Uint8Array(layerSizes[0]), new Uint8Array(layerSizes[1])];
  let position = 0;
  for (let index = 0; index < runs.length; index += 3) {
    const [layer, start, count] = [runs[index], runs[index + 1], runs[index + 2]] as number[];
    if ((layer !== BASE_LAYER && layer !== OWN_LAYER) || !Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 1)
      throw corrupt(`hold a malformed run at ${index / 3}`);
    if (start + count > layerSizes[layer] || position + count > total) throw corrupt(`point past the rows of the ${layer === BASE_LAYER ? "base" : "version"}`);
    for (let row = start; row < start + count; row++, position++) {
      if (used[layer][row] === 1) throw corrupt("name a row twice");
      used[layer][row] = 1;
      places.layer[position] = layer;
      places.row[position] = row;
    }
  }
  if (position !== total) throw corrupt(`cover ${position} rows, the manifest counts ${total}`);
  if (used[OWN_LAYER].some((flag) => flag === 0)) throw corrupt("leave rows of the version's own files out");
  return places;
}

/** The version's rows in order, each taken from its layer. */
export function assembleRows<T>(places: RowPlaces, base: readonly T[], own: readonly T[]): T[] {
  const rows = new Array<T>(places.layer.length);
  for (let position = 0; position < rows.length; position++) rows[position] = (places.layer[position] === BASE_LAYER ? base : own)[places.row[position]];
  return rows;
}

/** For each row of one layer's file, the version's row holding it (-1 when the version leaves it out). */
export function layerRowMap(places: RowPlaces, layer: number, layerSize: number): Int32Array {
  const map = new Int32Array(layerSize).fill(-1);
  for (let position = 0; position < places.layer.length; position++) if (places.layer[position] === layer) map[places.row[position]] = position;
  return map;
}

/** Rows of the base files and of the version's own files, [base, own], as a layered manifest gives them. */
export function layerSizes(layers: ManifestLayers): { sources: [number, number]; chunks: [number, number] } {
  const own = (runs: number[]) => {
    let total = 0;
    for (let index = 0; index + 2 < runs.length; index += 3) if (runs[index] === OWN_LAYER) total += runs[index + 2];
    return total;
  };
  return {
    sources: [layers.base.sources, own(layers.sourceRuns)],
    chunks: [layers.base.chunks, own(layers.chunkRuns)],
  };
}

/** The added chunks' vectors as the bytes of `vectors.bin`. */
export function encodeAddedVectors(vectors: readonly Float32Array[], dimensions: number): Buffer {
  const bytes = Buffer.alloc(vectors.length * dimensions * 4);
  vectors.forEach((vector, index) => {
    if (vector.length !== dimensions) throw new Error(`an added vector has ${vector.length} dimensions, not ${dimensions}`);
    for (let column = 0; column < dimensions; column++) bytes.writeFloatLE(vector[column], (index * dimensions + column) * 4);
  });
  return bytes;
}

/** `vectors.bin` read back (its checksum checked by the caller), one vector per added label. */
export function decodeAddedVectors(bytes: Buffer, count: number, dimensions: number, directory: string): Float32Array[] {
  if (bytes.length !== count * dimensions * 4)
    throw indexFileCorrupt(
      directory,
      ADDED_VECTORS_FILE,
      `it has ${bytes.length} bytes, ${count} vectors of ${dimensions} dimensions need ${count * dimensions * 4}`,
    );
  const vectors: Float32Array[] = [];
  for (let index = 0; index < count; index++) {
    const vector = new Float32Array(dimensions);
    for (let column = 0; column < dimensions; column++) vector[column] = bytes.readFloatLE((index * dimensions + column) * 4);
    vectors.push(vector);
  }
  return vectors;
}
