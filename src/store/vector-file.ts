/** Chunk vectors as one little-endian float32 file, row i = chunk i; kept so unchanged sources are never re-embedded. */
import { readFile, writeFile } from "node:fs/promises";

export async function writeVectorFile(file: string, vectors: Float32Array[], dimensions: number): Promise<void> {
  const all = new Float32Array(vectors.length * dimensions);
  vectors.forEach((vector, row) => {
    if (vector.length !== dimensions) throw new Error(`vector ${row} has ${vector.length} dimensions, expected ${dimensions}`);
    all.set(vector, row * dimensions);
  });
  // Float32Array is platform-endian; every platform Node supports here is little-endian.
  await writeFile(file, new Uint8Array(all.buffer));
}

export async function readVectorFile(file: string, dimensions: number): Promise<Float32Array[]> {
  const buffer = await readFile(file);
  if (buffer.length % (dimensions * 4) !== 0) throw new Error(`${file} is ${buffer.length} bytes, not a whole number of ${dimensions}-dimension rows`);
  const all = new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length));
  const rows: Float32Array[] = [];
  for (let offset = 0; offset < all.length; offset += dimensions) rows.push(all.subarray(offset, offset + dimensions));
  return rows;
}
