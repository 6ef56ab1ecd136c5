/** Exponentially weighted per-feature z-score, River `preprocessing.AdaptiveStandardScaler`. */
import { EwVar, type EwVarState } from "./ew_var.ts";
import type { Features } from "./features.ts";

/** Plain-JSON state of an {@linkcode AdaptiveStandardScaler}. */
export interface AdaptiveStandardScalerState {
  fadingFactor: number;
  features: Record<string, EwVarState>;
}

/**
 * Per-feature `z = (x − EwMean)/sqrt(EwVar)` (0 unless `EwVar > 0`), River's
 * default fading factor 0.3. River's docs learn before transforming.
 */
export class AdaptiveStandardScaler {
  /** Weight of the newest value. */
  readonly fadingFactor: number;
  #vars = new Map<string, EwVar>();

  /** `fadingFactor` in (0, 1), weight of the newest value. */
  constructor(fadingFactor = 0.3) {
    this.fadingFactor = new EwVar(fadingFactor).fadingFactor;
  }

  /** Update the statistics of every feature present in `x`. */
  learnOne(x: Features): void {
    for (const [name, xi] of Object.entries(x)) {
      let v = this.#vars.get(name);
      if (!v) this.#vars.set(name, v = new EwVar(this.fadingFactor));
      v.update(xi);
    }
  }

  /** Scale `x` with the current statistics (unseen features scale to 0). */
  transformOne(x: Features): Features {
    const out: Features = {};
    for (const [name, xi] of Object.entries(x)) {
      const v = this.#vars.get(name);
      const variance = v ? v.get() : 0;
      out[name] = v && variance > 0 ? (xi - v.mean()) / Math.sqrt(variance) : 0;
    }
    return out;
  }

  /** Plain-JSON snapshot. */
  toJSON(): AdaptiveStandardScalerState {
    return {
      fadingFactor: this.fadingFactor,
      features: Object.fromEntries([...this.#vars].map(([k, v]) => [k, v.toJSON()])),
    };
  }

  /** Restore from {@linkcode AdaptiveStandardScaler.toJSON}. */
  static fromJSON(state: AdaptiveStandardScalerState): AdaptiveStandardScaler {
    const s = new AdaptiveStandardScaler(state.fadingFactor);
    for (const [k, v] of Object.entries(state.features)) s.#vars.set(k, EwVar.fromJSON(v));
    return s;
  }
}
