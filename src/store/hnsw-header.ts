/**
 * The fixed header hnswlib writes at the start of a saved graph (HierarchicalNSW::saveIndex in
 * hnswalg.h): sizes and offsets that its loader trusts when it lays the file out in memory. They
 * are checked against the manifest before hnswlib reads the file, as a second guard behind the
 * checksum: a graph for other dimensions, other parameters or another element count is refused
 * instead of being read by native code that does not check.
 */
import { open } from "node:fs/promises";

/** size_t ×6, int, unsigned int, size_t ×3, double, size_t (little-endian, 64-bit). */
const HEADER_BYTES = 96;
/** hnswlib's tableint and linklistsizeint are 4 bytes, labeltype (size_t) is 8, vectors are float32. */
const LINK_BYTES = 4;
const LABEL_BYTES = 8;
const FLOAT_BYTES = 4;
/** Levels are drawn as -ln(uniform) / ln(M); a real graph stays far below this. */
const MAX_LEVEL = 64;

export interface ExpectedGraph {
  elements: number;
  dimensions: number;
  M: number;
  efConstruction: number;
}

/** What is wrong with the graph file's header, or null when it matches what the manifest says. */
export async function checkHnswHeader(file: string, expected: ExpectedGraph): Promise<string | null> {
  const handle = await open(file, "r");
  let header: Buffer;
  let fileBytes: number;
  try {
    fileBytes = (await handle.stat()).size;
    header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES) return `it is ${fileBytes} bytes, shorter than a graph header`;
  } finally {
    await handle.close();
  }
  const size = (offset: number) => header.readBigUInt64LE(offset);
  const maxM0 = BigInt(expected.M * 2);
  const linksLevel0 = maxM0 * BigInt(LINK_BYTES) + BigInt(LINK_BYTES);
  const vectorBytes = BigInt(expected.dimensions * FLOAT_BYTES);
  const elements = BigInt(expected.elements);
  const bytesPerElement = linksLevel0 + vectorBytes + BigInt(LABEL_BYTES);
  const checks: [string, bigint | number, bigint | number][] = [
    ["level-0 offset", size(0), 0n],
    ["element count", size(16), elements],
    ["bytes per element", size(24), bytesPerElement],
    ["label offset", size(32), linksLevel0 + vectorBytes],
    ["vector offset", size(40), linksLevel0],
    ["M", size(72), BigInt(expected.M)],
    ["maximum links", size(56), BigInt(expected.M)],
    ["maximum level-0 links", size(64), maxM0],
    ["efConstruction", size(88), BigInt(expected.efConstruction)],
  ];
  for (const [name, actual, wanted] of checks) {
    if (actual !== wanted) return `its header's ${name} is ${actual}, the manifest implies ${wanted}`;
  }
  if (size(8) < elements) return `its header's capacity ${size(8)} is below its element count ${elements}`;
  const maxLevel = header.readInt32LE(48);
  const entryPoint = header.readUInt32LE(52);
  if (elements > 0n && (maxLevel < 0 || maxLevel > MAX_LEVEL || BigInt(entryPoint) >= elements))
    return `its header's top level ${maxLevel} or entry point ${entryPoint} is out of range`;
  // Level-0 records, then at least a 4-byte link-list size per element.
  const minimumBytes = BigInt(HEADER_BYTES) + elements * (bytesPerElement + BigInt(LINK_BYTES));
  if (BigInt(fileBytes) < minimumBytes) return `it is ${fileBytes} bytes, its header needs at least ${minimumBytes}`;
  return null;
}
