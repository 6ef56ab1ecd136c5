/** Candid covariance-free incremental PCA (Weng, Zhang & Hwang 2003) over dense vectors. */
import { checkInteger } from "./_check.ts";

/** Options of a {@linkcode Ccipca}. */
export interface CcipcaOptions {
  /** Number of leading components to track. */
  nComponents: number;
  /** Amnesic parameter `l` ≥ 0: larger forgets old samples faster (paper suggests 2–4; default 2). */
  amnesic?: number;
}

/** Plain-JSON state of a {@linkcode Ccipca}. */
export interface CcipcaState {
  nComponents: number;
  amnesic: number;
  n: number;
  mean: number[] | null;
  vectors: number[][];
  counts: number[];
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Streaming PCA without a covariance matrix. Each sample is centred on the
 * running mean (updated with the sample first); then for component i, with
 * `u` the sample deflated by components < i and `n` that component's update
 * count:
 *
 *     v ← ((n − 1 − l)/n)·v + ((1 + l)/n)·u·(u·v)/|v|,   u ← u − (u·ê)ê,  ê = v/|v|
 *
 * `l` is capped at `n − 2` so early weights stay non-negative; a component
 * whose vector is still zero is initialised with `u`. `|v|` estimates the
 * eigenvalue, `ê` the eigenvector. `scoreOne` (score, then learn) is the
 * squared residual of `x` outside the tracked subspace.
 */
export class Ccipca {
  /** Number of components tracked. */
  readonly nComponents: number;
  /** Amnesic parameter `l`. */
  readonly amnesic: number;
  #n = 0;
  #mean: number[] | null = null;
  #vectors: number[][] = [];
  #counts: number[] = [];

  /** Track `nComponents` components with amnesic parameter `amnesic`. */
  constructor(options: CcipcaOptions) {
    checkInteger("Ccipca", "nComponents", options.nComponents, 1);
    this.nComponents = options.nComponents;
    this.amnesic = options.amnesic ?? 2;
    if (!(this.amnesic >= 0 && Number.isFinite(this.amnesic))) {
      throw new RangeError(`Cannot create Ccipca: amnesic is ${this.amnesic}, must be a finite number >= 0`);
    }
  }

  /** Samples learnt. */
  get n(): number {
    return this.#n;
  }

  /** Input dimension (0 before the first sample). */
  get dimension(): number {
    return this.#mean?.length ?? 0;
  }

  #check(x: readonly number[]): void {
    if (this.#mean && x.length !== this.#mean.length) {
      throw new RangeError(`Cannot use vector: length is ${x.length}, expected ${this.#mean.length}`);
    }
  }

  /** Running mean of the samples. */
  mean(): number[] {
    return [...(this.#mean ?? [])];
  }

  /** Unit eigenvector estimates, leading first (zero vectors until initialised). */
  components(): number[][] {
    return this.#vectors.map((v) => {
      const norm = Math.sqrt(dot(v, v));
      return norm > 0 ? v.map((vi) => vi / norm) : v.map(() => 0);
    });
  }

  /** Eigenvalue estimates `|v_i|` (variance along each component). */
  eigenvalues(): number[] {
    return this.#vectors.map((v) => Math.sqrt(dot(v, v)));
  }

  /** Coordinates of `x − mean` on the components. */
  transform(x: readonly number[]): number[] {
    this.#check(x);
    const mean = this.#mean ?? x.map(() => 0);
    const u = x.map((xi, i) => xi - mean[i]);
    return this.components().map((e) => dot(u, e));
  }

  /** Squared norm of the part of `x − mean` outside the tracked subspace; does not learn. */
  scoreOne(x: readonly number[]): number {
    this.#check(x);
    if (!this.#mean) return 0;
    const mean = this.#mean;
    const u = x.map((xi, i) => xi - mean[i]);
    for (const e of this.components()) {
      const p = dot(u, e);
      for (let j = 0; j < u.length; j++) u[j] -= p * e[j];
    }
    return dot(u, u);
  }

  /** Learn one sample. */
  learnOne(x: readonly number[]): void {
    this.#check(x);
    if (!this.#mean) {
      this.#mean = x.map(() => 0);
      this.#vectors = Array.from({ length: this.nComponents }, () => x.map(() => 0));
      this.#counts = Array(this.nComponents).fill(0);
    }
    this.#n += 1;
    const mean = this.#mean;
    for (let j = 0; j < x.length; j++) mean[j] += (x[j] - mean[j]) / this.#n;
    const u = x.map((xj, j) => xj - mean[j]);
    for (let i = 0; i < this.nComponents; i++) {
      const v = this.#vectors[i];
      let norm = Math.sqrt(dot(v, v));
      if (norm === 0) {
        if (dot(u, u) === 0) break; // nothing left to explain
        for (let j = 0; j < u.length; j++) v[j] = u[j];
        this.#counts[i] = 1;
      } else {
        const n = this.#counts[i] += 1;
        const l = Math.min(this.amnesic, n - 2);
        const keep = (n - 1 - l) / n;
        const gain = (1 + l) / n * dot(u, v) / norm;
        for (let j = 0; j < v.length; j++) v[j] = keep * v[j] + gain * u[j];
      }
      norm = Math.sqrt(dot(v, v));
      if (norm === 0) break;
      const p = dot(u, v) / norm;
      for (let j = 0; j < u.length; j++) u[j] -= p * v[j] / norm;
    }
  }

  /** Plain-JSON snapshot. */
  toJSON(): CcipcaState {
    return {
      nComponents: this.nComponents,
      amnesic: this.amnesic,
      n: this.#n,
      mean: this.#mean ? [...this.#mean] : null,
      vectors: this.#vectors.map((v) => [...v]),
      counts: [...this.#counts],
    };
  }

  /** Restore from {@linkcode Ccipca.toJSON}. */
  static fromJSON(state: CcipcaState): Ccipca {
    const c = new Ccipca({ nComponents: state.nComponents, amnesic: state.amnesic });
    c.#n = state.n;
    c.#mean = state.mean ? [...state.mean] : null;
    c.#vectors = state.vectors.map((v) => [...v]);
    c.#counts = [...state.counts];
    return c;
  }
}
