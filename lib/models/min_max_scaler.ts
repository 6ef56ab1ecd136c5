/** Per-feature online min-max scaling, River `preprocessing.MinMaxScaler`. */
import type { Features } from "./features.ts";

/** Plain-JSON state of a {@linkcode MinMaxScaler}: per feature `[min, max]`. */
export interface MinMaxScalerState {
  features: Record<string, [min: number, max: number]>;
}

/**
 * Scales each feature to `(x − min)/(max − min)` over the values learnt so far
 * (0 when `max = min`). Pairs with {@linkcode HalfSpaceTrees}, which expects
 * inputs in [0, 1]; a value outside the seen range maps outside [0, 1].
 */
export class MinMaxScaler {
  #ranges = new Map<string, [number, number]>();

  /** Widen the range of every feature present in `x`. */
  learnOne(x: Features): void {
    for (const [name, xi] of Object.entries(x)) {
      const r = this.#ranges.get(name);
      if (!r) this.#ranges.set(name, [xi, xi]);
      else {
        if (xi < r[0]) r[0] = xi;
        if (xi > r[1]) r[1] = xi;
      }
    }
  }

  /** Scale `x` with the ranges seen so far (unseen features scale to 0). */
  transformOne(x: Features): Features {
    const out: Features = {};
    for (const [name, xi] of Object.entries(x)) {
      const r = this.#ranges.get(name);
      const span = r ? r[1] - r[0] : 0;
      out[name] = r && span !== 0 ? (xi - r[0]) / span : 0;
    }
    return out;
  }

  /** Plain-JSON snapshot. */
  toJSON(): MinMaxScalerState {
    return { features: Object.fromEntries([...this.#ranges].map(([k, v]) => [k, [v[0], v[1]]])) };
  }

  /** Restore from {@linkcode MinMaxScaler.toJSON}. */
  static fromJSON(state: MinMaxScalerState): MinMaxScaler {
    const s = new MinMaxScaler();
    for (const [k, v] of Object.entries(state.features)) s.#ranges.set(k, [v[0], v[1]]);
    return s;
  }
}
