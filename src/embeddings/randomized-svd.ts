/**
 * Truncated SVD of a sparse matrix by the randomized range finder (Halko, Martinsson & Tropp,
 * 2011): a seeded Gaussian sketch, a few power iterations, then an exact eigen-decomposition of
 * the small projected matrix. Deterministic for a given seed.
 */

/** Compressed sparse rows: row i holds columns[rowStarts[i]..rowStarts[i+1]) with `values`. */
export interface SparseRows {
  rowCount: number;
  columnCount: number;
  rowStarts: Int32Array;
  columns: Int32Array;
  values: Float32Array;
}

export interface TruncatedSvd {
  rank: number;
  singularValues: Float64Array;
  /** Right singular vectors, column-major blocks: row `column` of V is rightVectors[column*rank .. +rank). */
  rightVectors: Float32Array;
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussianMatrix(rows: number, columns: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const matrix = new Float64Array(rows * columns);
  for (let index = 0; index < matrix.length; index += 2) {
    const radius = Math.sqrt(-2 * Math.log(random() + 1e-12));
    const angle = 2 * Math.PI * random();
    matrix[index] = radius * Math.cos(angle);
    if (index + 1 < matrix.length) matrix[index + 1] = radius * Math.sin(angle);
  }
  return matrix;
}

/** A (n×m sparse) times M (m×width, row-major) → n×width. */
function multiply(matrix: SparseRows, dense: Float64Array, width: number): Float64Array {
  const out = new Float64Array(matrix.rowCount * width);
  for (let row = 0; row < matrix.rowCount; row++) {
    const outOffset = row * width;
    for (let entry = matrix.rowStarts[row]; entry < matrix.rowStarts[row + 1]; entry++) {
      const value = matrix.values[entry];
      const denseOffset = matrix.columns[entry] * width;
      for (let column = 0; column < width; column++) out[outOffset + column] += value * dense[denseOffset + column];
    }
  }
  return out;
}

/** Aᵀ (m×n) times M (n×width) → m×width. */
function multiplyTransposed(matrix: SparseRows, dense: Float64Array, width: number): Float64Array {
  const out = new Float64Array(matrix.columnCount * width);
  for (let row = 0; row < matrix.rowCount; row++) {
    const denseOffset = row * width;
    for (let entry = matrix.rowStarts[row]; entry < matrix.rowStarts[row + 1]; entry++) {
      const value = matrix.values[entry];
      const outOffset = matrix.columns[entry] * width;
      for (let column = 0; column < width; column++) out[outOffset + column] += value * dense[denseOffset + column];
    }
  }
  return out;
}

/** Orthonormalizes the columns of a rows×width row-major matrix in place (modified Gram-Schmidt, twice). */
function orthonormalizeColumns(matrix: Float64Array, rows: number, width: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let column = 0; column < width; column++) {
      for (let previous = 0; previous < column; previous++) {
        let dot = 0;
        for (let row = 0; row < rows; row++) dot += matrix[row * width + column] * matrix[row * width + previous];
        for (let row = 0; row < rows; row++) matrix[row * width + column] -= dot * matrix[row * width + previous];
      }
      let norm = 0;
      for (let row = 0; row < rows; row++) norm += matrix[row * width + column] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let row = 0; row < rows; row++) matrix[row * width + column] /= norm;
    }
  }
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations. */
function symmetricEigen(matrix: Float64Array, size: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const vectors = new Float64Array(size * size);
  for (let index = 0; index < size; index++) vectors[index * size + index] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let offDiagonal = 0;
    for (let p = 0; p < size; p++) for (let q = p + 1; q < size; q++) offDiagonal += a[p * size + q] ** 2;
    if (offDiagonal < 1e-22) break;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * size + q] - a[p * size + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p];
          const akq = a[k * size + q];
          a[k * size + p] = c * akp - s * akq;
          a[k * size + q] = s * akp + c * akq;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k];
          const aqk = a[q * size + k];
          a[p * size + k] = c * apk - s * aqk;
          a[q * size + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < size; k++) {
          const vkp = vectors[k * size + p];
          const vkq = vectors[k * size + q];
          vectors[k * size + p] = c * vkp - s * vkq;
          vectors[k * size + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(size);
  for (let index = 0; index < size; index++) values[index] = a[index * size + index];
  return { values, vectors };
}

export function randomizedSvd(matrix: SparseRows, rank: number, options: { oversample?: number; powerIterations?: number; seed?: number } = {}): TruncatedSvd {
  const width = Math.min(rank + (options.oversample ?? 16), matrix.rowCount, matrix.columnCount);
  const effectiveRank = Math.min(rank, width);
  let sketch = multiply(matrix, gaussianMatrix(matrix.columnCount, width, options.seed ?? 42), width);
  orthonormalizeColumns(sketch, matrix.rowCount, width);
  for (let iteration = 0; iteration < (options.powerIterations ?? 2); iteration++) {
    const back = multiplyTransposed(matrix, sketch, width);
    orthonormalizeColumns(back, matrix.columnCount, width);
    sketch = multiply(matrix, back, width);
    orthonormalizeColumns(sketch, matrix.rowCount, width);
  }
  // Bᵀ = Aᵀ Q (m×width); B Bᵀ = (AᵀQ)ᵀ(AᵀQ) is width×width.
  const projected = multiplyTransposed(matrix, sketch, width);
  const gram = new Float64Array(width * width);
  for (let row = 0; row < matrix.columnCount; row++) {
    const offset = row * width;
    for (let left = 0; left < width; left++) {
      const value = projected[offset + left];
      if (value === 0) continue;
      for (let right = left; right < width; right++) gram[left * width + right] += value * projected[offset + right];
    }
  }
  for (let left = 0; left < width; left++) for (let right = 0; right < left; right++) gram[left * width + right] = gram[right * width + left];
  const { values, vectors } = symmetricEigen(gram, width);
  const order = [...values.keys()].sort((left, right) => values[right] - values[left]).slice(0, effectiveRank);
  const singularValues = Float64Array.from(order.map((index) => Math.sqrt(Math.max(values[index], 0))));
  // V = Bᵀ W Σ⁻¹, column j of V from eigenvector order[j].
  const rightVectors = new Float32Array(matrix.columnCount * effectiveRank);
  for (let row = 0; row < matrix.columnCount; row++) {
    const offset = row * width;
    for (let component = 0; component < effectiveRank; component++) {
      const eigenIndex = order[component];
      let sum = 0;
      for (let inner = 0; inner < width; inner++) sum += projected[offset + inner] * vectors[inner * width + eigenIndex];
      rightVectors[row * effectiveRank + component] = singularValues[component] > 0 ? sum / singularValues[component] : 0;
    }
  }
  return { rank: effectiveRank, singularValues, rightVectors };
}
