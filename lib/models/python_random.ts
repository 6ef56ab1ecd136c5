/**
 * CPython-compatible Mersenne Twister (`random.Random`), so River's seeded
 * behaviour (`HalfSpaceTrees(seed=42)`) can be rebuilt exactly in TypeScript.
 */
import type { Rng } from "./rng.ts";
import { uniform, weightedIndex } from "./rng.ts";

const N = 624;
const M = 397;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;
const MATRIX_A = 0x9908b0df;

/** Plain-JSON state of a {@linkcode PythonRandom}. */
export interface PythonRandomState {
  mt: number[];
  index: number;
  gaussNext: number | null;
}

/**
 * MT19937 seeded like CPython's `random.Random(seed)` for integer seeds
 * (`init_by_array` over the 32-bit words of `|seed|`).
 *
 * @example
 * ```ts
 * const rng = new PythonRandom(42);
 * rng.random(); // 0.6394267984578837, as Python's random.Random(42).random()
 * ```
 */
export class PythonRandom implements Rng {
  #mt = new Uint32Array(N);
  #index = N;
  #gaussNext: number | null = null;

  /** Seed like `random.Random(seed)`; `seed` must be a safe integer. */
  constructor(seed = 0) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Cannot seed PythonRandom: seed is ${seed}, must be a safe integer`);
    }
    const n = Math.abs(seed);
    const lo = n % 0x100000000;
    const hi = Math.floor(n / 0x100000000);
    this.#initByArray(hi > 0 ? [lo, hi] : [lo]);
  }

  #initGenrand(s: number): void {
    const mt = this.#mt;
    mt[0] = s;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = Math.imul(1812433253, prev) + i;
    }
    this.#index = N;
  }

  #initByArray(key: readonly number[]): void {
    this.#initGenrand(19650218);
    const mt = this.#mt;
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) >>> 0) + key[j] + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) >>> 0) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  #twist(): void {
    const mt = this.#mt;
    for (let kk = 0; kk < N; kk++) {
      const y = (mt[kk] & UPPER) | (mt[(kk + 1) % N] & LOWER);
      mt[kk] = mt[(kk + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.#index = 0;
  }

  /** Next raw 32-bit output (`getrandbits(32)`). */
  nextUint32(): number {
    if (this.#index >= N) this.#twist();
    let y = this.#mt[this.#index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random.getrandbits(k)` for 0 ≤ k ≤ 32. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 32) {
      throw new RangeError(`Cannot draw bits: k is ${k}, must be an integer in [0, 32]`);
    }
    return k === 0 ? 0 : this.nextUint32() >>> (32 - k);
  }

  /** `random.random()`: 53-bit double in [0, 1) from two 32-bit outputs. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `random.uniform(a, b)`. */
  uniform(a: number, b: number): number {
    return uniform(this, a, b);
  }

  /** `random.choices(range(n))[0]` (no weights): `floor(random() · n)`. */
  choicesIndex(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** `random.choices(range(len(weights)), weights)[0]`. */
  weightedIndex(weights: readonly number[]): number {
    return weightedIndex(this, weights);
  }

  /**
   * `random.gauss(mu, sigma)` (Box-Muller with a cached second value). Uses
   * V8's `cos`/`sin`/`log`, which may differ from glibc by an ulp.
   */
  gauss(mu = 0, sigma = 1): number {
    let z = this.#gaussNext;
    this.#gaussNext = null;
    if (z === null) {
      const x2pi = this.random() * 2 * Math.PI;
      const g2rad = Math.sqrt(-2 * Math.log(1 - this.random()));
      z = Math.cos(x2pi) * g2rad;
      this.#gaussNext = Math.sin(x2pi) * g2rad;
    }
    return mu + z * sigma;
  }

  /** Plain-JSON snapshot of the generator state. */
  toJSON(): PythonRandomState {
    return { mt: Array.from(this.#mt), index: this.#index, gaussNext: this.#gaussNext };
  }

  /** Restore a generator from {@linkcode PythonRandom.toJSON}. */
  static fromJSON(state: PythonRandomState): PythonRandom {
    if (state.mt.length !== N || state.index < 0 || state.index > N) {
      throw new RangeError(
        `Cannot restore PythonRandom: mt has ${state.mt.length} words and index is ${state.index}, need ${N} words and index in [0, ${N}]`,
      );
    }
    const rng = new PythonRandom(0);
    rng.#mt.set(state.mt);
    rng.#index = state.index;
    rng.#gaussNext = state.gaussNext;
    return rng;
  }
}
