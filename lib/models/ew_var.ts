/** Exponentially weighted variance, River `stats.EwVar`. */
import { EwMean, type EwMeanState } from "./ew_mean.ts";

/** Plain-JSON state of an {@linkcode EwVar}. */
export interface EwVarState {
  mean: EwMeanState;
  sqMean: EwMeanState;
}

/**
 * Exponentially weighted variance `EwMean(x²) − EwMean(x)²`. Rounding can make
 * it slightly negative; callers guard with `> 0` as River does.
 */
export class EwVar {
  #mean: EwMean;
  #sqMean: EwMean;

  /** `fadingFactor` in (0, 1); River's default is 0.5. */
  constructor(fadingFactor = 0.5) {
    this.#mean = new EwMean(fadingFactor);
    this.#sqMean = new EwMean(fadingFactor);
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
  toJSON(): EwVarState {
    return { mean: this.#mean.toJSON(), sqMean: this.#sqMean.toJSON() };
  }

  /** Restore from {@linkcode EwVar.toJSON}. */
  static fromJSON(state: EwVarState): EwVar {
    const v = new EwVar(state.mean.fadingFactor);
    v.#mean = EwMean.fromJSON(state.mean);
    v.#sqMean = EwMean.fromJSON(state.sqMean);
    return v;
  }
}
