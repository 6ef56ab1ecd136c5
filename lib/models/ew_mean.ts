/** Exponentially weighted mean, River `stats.EwMean`. */
import { checkFraction } from "./_check.ts";

/** Plain-JSON state of an {@linkcode EwMean}. */
export interface EwMeanState {
  fadingFactor: number;
  mean: number;
  initialised: boolean;
}

/**
 * Exponentially weighted mean: the first value initialises it, then
 * `mean = a·x + (1 − a)·mean` where `a` (fading factor) weighs the new value.
 */
export class EwMean {
  /** Weight of the newest value. */
  readonly fadingFactor: number;
  #mean = 0;
  #initialised = false;

  /** `fadingFactor` in (0, 1); River's default is 0.5. */
  constructor(fadingFactor = 0.5) {
    checkFraction("EwMean", "fadingFactor", fadingFactor);
    this.fadingFactor = fadingFactor;
  }

  /** Add one value. */
  update(x: number): void {
    if (this.#initialised) {
      this.#mean = this.fadingFactor * x + (1 - this.fadingFactor) * this.#mean;
    } else {
      this.#mean = x;
      this.#initialised = true;
    }
  }

  /** Current mean (0 before any value). */
  get(): number {
    return this.#mean;
  }

  /** Plain-JSON snapshot. */
  toJSON(): EwMeanState {
    return { fadingFactor: this.fadingFactor, mean: this.#mean, initialised: this.#initialised };
  }

  /** Restore from {@linkcode EwMean.toJSON}. */
  static fromJSON(state: EwMeanState): EwMean {
    const m = new EwMean(state.fadingFactor);
    m.#mean = state.mean;
    m.#initialised = state.initialised;
    return m;
  }
}
