/** Signed feature hashing: maps any term to one of `dimensions` slots with a ±1 sign. */

/** 32-bit FNV-1a over the UTF-16 code units; fast and stable across runs and machines. */
export function hashTerm(term: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < term.length; index++) {
    hash ^= term.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function hashedSlot(term: string, dimensions: number): { slot: number; sign: 1 | -1 } {
  const hash = hashTerm(term);
  return { slot: hash % dimensions, sign: hash >>> 31 === 1 ? -1 : 1 };
}

export function normalizeInPlace(vector: Float32Array | number[]): void {
  let norm = 0;
  for (let index = 0; index < vector.length; index++) norm += vector[index] * vector[index];
  norm = Math.sqrt(norm);
  if (norm === 0) return;
  for (let index = 0; index < vector.length; index++) vector[index] /= norm;
}
