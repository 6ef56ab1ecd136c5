/**
 * Offline Isolation Forest (Liu, Ting & Zhou 2008), the baseline the online models are
 * compared with: `nTrees` trees, each grown on a subsample of `sampleSize` points to a height
 * limit of `ceil(log2(sampleSize))`; score `2^(-E[h(x)] / c(sampleSize))` in (0, 1], high =
 * anomalous. Seeded (CPython-compatible generator), so a run is repeatable.
 */
import { PythonRandom } from "../models/mod.ts";

/** Average path length of an unsuccessful BST search among n points. */
export function c(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

type Node = { leaf: true; size: number } | { leaf: false; f: number; split: number; l: Node; r: Node };

export interface IsolationForestOptions {
  nTrees?: number;
  sampleSize?: number;
  seed?: number;
}

/** An Isolation Forest fitted once on a data set (see the module doc). */
export class IsolationForest {
  readonly #trees: Node[] = [];
  readonly #sample: number;

  /** Fit on `data` (rows of equal length). */
  constructor(data: readonly (readonly number[])[], options: IsolationForestOptions = {}) {
    const rng = new PythonRandom(options.seed ?? 0);
    const nTrees = options.nTrees ?? 100;
    this.#sample = Math.min(options.sampleSize ?? 256, data.length);
    const limit = Math.ceil(Math.log2(Math.max(2, this.#sample)));
    for (let t = 0; t < nTrees; t++) {
      // Sample without replacement (partial Fisher-Yates over indices).
      const idx = Array.from({ length: data.length }, (_, i) => i);
      for (let i = 0; i < this.#sample; i++) {
        const j = i + Math.floor(rng.random() * (idx.length - i));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      this.#trees.push(grow(idx.slice(0, this.#sample).map((i) => data[i]), 0, limit, rng));
    }
  }

  /** Anomaly score in (0, 1]; about 0.5 or less is normal. */
  score(x: readonly number[]): number {
    let sum = 0;
    for (const t of this.#trees) sum += pathLength(t, x, 0);
    return 2 ** (-(sum / this.#trees.length) / c(this.#sample));
  }
}

function grow(rows: readonly (readonly number[])[], depth: number, limit: number, rng: PythonRandom): Node {
  if (depth >= limit || rows.length <= 1) return { leaf: true, size: rows.length };
  const dims = rows[0].length;
  // Features that still vary; a constant subsample cannot be split.
  const candidates: { f: number; lo: number; hi: number }[] = [];
  for (let f = 0; f < dims; f++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of rows) {
      if (r[f] < lo) lo = r[f];
      if (r[f] > hi) hi = r[f];
    }
    if (hi > lo) candidates.push({ f, lo, hi });
  }
  if (candidates.length === 0) return { leaf: true, size: rows.length };
  const { f, lo, hi } = candidates[Math.floor(rng.random() * candidates.length)];
  const split = lo + rng.random() * (hi - lo);
  const l = rows.filter((r) => r[f] < split);
  const r = rows.filter((r) => r[f] >= split);
  return { leaf: false, f, split, l: grow(l, depth + 1, limit, rng), r: grow(r, depth + 1, limit, rng) };
}

function pathLength(n: Node, x: readonly number[], depth: number): number {
  if (n.leaf) return depth + c(n.size);
  return pathLength(x[n.f] < n.split ? n.l : n.r, x, depth + 1);
}
