/** Score-then-learn EWMA z-score for one numeric stream. */
import { checkInteger } from "./_check.ts";
import { EwVar, type EwVarState } from "./ew_var.ts";

/** Options of an {@linkcode EwmaZScore}. */
export interface EwmaZScoreOptions {
  /** Weight of the newest value in (0, 1); 0.3 is River's AdaptiveStandardScaler default. */
  fadingFactor?: number;
  /** Values to learn before any non-zero score (River has none: default 0). */
  gracePeriod?: number;
}

/** Plain-JSON state of an {@linkcode EwmaZScore}. */
export interface EwmaZScoreState {
  gracePeriod: number;
  n: number;
  ewVar: EwVarState;
}

/**
 * z-score of a value against the exponentially weighted mean and variance of
 * the values *before* it (River's AdaptiveStandardScaler arithmetic, but score
 * first, so a spike is not diluted by itself). 0 while `n < gracePeriod` or
 * while the variance is not > 0.
 *
 * @example
 * ```ts
 * const z = new EwmaZScore({ fadingFactor: 0.3, gracePeriod: 30 });
 * const score = z.update(loginsPerMinute); // score, then learn
 * ```
 */
export class EwmaZScore {
  /** Values learnt before any non-zero score. */
  readonly gracePeriod: number;
  #n = 0;
  #ewVar: EwVar;

  /** Create with River's fading factor 0.3 and no grace period by default. */
  constructor(options: EwmaZScoreOptions = {}) {
    this.gracePeriod = options.gracePeriod ?? 0;
    checkInteger("EwmaZScore", "gracePeriod", this.gracePeriod, 0);
    this.#ewVar = new EwVar(options.fadingFactor ?? 0.3);
  }

  /** Values learnt so far. */
  get n(): number {
    return this.#n;
  }

  /** z-score of `x` against the current state, without learning it. */
  score(x: number): number {
    if (this.#n === 0 || this.#n < this.gracePeriod) return 0;
    const variance = this.#ewVar.get();
    return variance > 0 ? (x - this.#ewVar.mean()) / Math.sqrt(variance) : 0;
  }

  /** Learn `x`. */
  learn(x: number): void {
    this.#ewVar.update(x);
    this.#n += 1;
  }

  /** Score `x`, then learn it; returns the score. */
  update(x: number): number {
    const z = this.score(x);
    this.learn(x);
    return z;
  }

  /** Plain-JSON snapshot. */
  toJSON(): EwmaZScoreState {
    return { gracePeriod: this.gracePeriod, n: this.#n, ewVar: this.#ewVar.toJSON() };
  }

  /** Restore from {@linkcode EwmaZScore.toJSON}. */
  static fromJSON(state: EwmaZScoreState): EwmaZScore {
    const z = new EwmaZScore({ fadingFactor: state.ewVar.mean.fadingFactor, gracePeriod: state.gracePeriod });
    z.#n = state.n;
    z.#ewVar = EwVar.fromJSON(state.ewVar);
    return z;
  }
}
