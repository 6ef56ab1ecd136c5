/** Exponentially weighted variance, River `stats.EWVar`. */
import { EWMean, type EWMeanState } from "./ew_mean.ts";

/** Plain-JSON state of an {@linkcode EWVar}. */
export interface EWVarState {
  mean: EWMeanState;
  sqMean: EWMeanState;
}

/**
 * Exponentially weighted variance `EWMean(x²) − EWMean(x)²`. Rounding can make
 * it slightly negative; callers guard with `> 0` as River does.
 */
export class EWVar {
  #mean: EWMean;
  #sqMean: EWMean;

  /** `fadingFactor` in (0, 1); River's default is 0.5. */
  constructor(fadingFactor = 0.5) {
    this.#mean = new EWMean(fadingFactor);
    this.#sqMean = new EWMean(fadingFactor);
  }

  /** The fading factor shared by both means. */
  get fadingFactor(): number {
    return this.#mean.fadingFactor;
  }

  /** Add one value. */
  update(x: number): void {
    this.#mean.update(x);
    this.#sqMean.update(x * x);
  }

  /** The exponentially weighted mean of the values. */
  mean(): number {
    return this.#mean.get();
  }

  /** Current variance. */
  get(): number {
    const m = this.#mean.get();
    return this.#sqMean.get() - m * m;
  }

  /** Plain-JSON snapshot. */
  toJSON(): EWVarState {
    return { mean: this.#mean.toJSON(), sqMean: this.#sqMean.toJSON() };
  }

  /** Restore from {@linkcode EWVar.toJSON}. */
  static fromJSON(state: EWVarState): EWVar {
    const v = new EWVar(state.mean.fadingFactor);
    v.#mean = EWMean.fromJSON(state.mean);
    v.#sqMean = EWMean.fromJSON(state.sqMean);
    return v;
  }
}
