/**
 * Running mean and variance (Welford), with River's `stats.Mean` / `stats.Var`
 * arithmetic: `mean += (1/n)·(x − mean)`, `M2 += (x − mean_old)(x − mean_new)`.
 */

/** Plain-JSON state of a {@linkcode Welford}. */
export interface WelfordState {
  n: number;
  mean: number;
  m2: number;
}

/** Online mean and variance of a stream of numbers. */
export class Welford {
  #n = 0;
  #mean = 0;
  #m2 = 0;

  /** Add one value. */
  update(x: number): void {
    const old = this.#mean;
    this.#n += 1;
    this.#mean += (1 / this.#n) * (x - old);
    this.#m2 += (x - old) * (x - this.#mean);
  }

  /** Number of values seen. */
  get n(): number {
    return this.#n;
  }

  /** Mean of the values seen (0 when empty). */
  get mean(): number {
    return this.#mean;
  }

  /** Sum of squared deviations from the mean. */
  get m2(): number {
    return this.#m2;
  }

  /** Variance with `ddof` delta degrees of freedom (River default 1); 0 until n > ddof. */
  variance(ddof = 1): number {
    return this.#n > ddof ? this.#m2 / (this.#n - ddof) : 0;
  }

  /** Plain-JSON snapshot. */
  toJSON(): WelfordState {
    return { n: this.#n, mean: this.#mean, m2: this.#m2 };
  }

  /** Restore from {@linkcode Welford.toJSON}. */
  static fromJSON(state: WelfordState): Welford {
    const w = new Welford();
    w.#n = state.n;
    w.#mean = state.mean;
    w.#m2 = state.m2;
    return w;
  }
}
