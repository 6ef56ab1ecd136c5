/** Per-feature online z-score, River `preprocessing.StandardScaler`. */
import type { Features } from "./features.ts";

/** Plain-JSON state of a {@linkcode StandardScaler}: per feature `[n, mean, var]`. */
export interface StandardScalerState {
  withStd: boolean;
  features: Record<string, [n: number, mean: number, variance: number]>;
}

/**
 * Online standard scaler with population variance, per feature:
 * `n += 1; old = mean; mean += (x − old)/n; var += ((x − old)(x − mean) − var)/n`,
 * `z = (x − mean)/sqrt(var)` (0 when `var` is 0). River's doc example learns
 * before transforming; for anomaly scoring, transform first, then learn.
 */
export class StandardScaler {
  /** Whether values are divided by the standard deviation. */
  readonly withStd: boolean;
  #stats = new Map<string, [number, number, number]>();

  /** `withStd: false` only centres (River's `with_std`). */
  constructor(options: { withStd?: boolean } = {}) {
    this.withStd = options.withStd ?? true;
  }

  /** Update the statistics of every feature present in `x`. */
  learnOne(x: Features): void {
    for (const [name, xi] of Object.entries(x)) {
      const s = this.#stats.get(name) ?? [0, 0, 0];
      const n = s[0] + 1;
      const old = s[1];
      const mean = old + (xi - old) / n;
      const variance = this.withStd ? s[2] + ((xi - old) * (xi - mean) - s[2]) / n : 0;
      this.#stats.set(name, [n, mean, variance]);
    }
  }

  /** Scale `x` with the current statistics (unseen features scale to 0). */
  transformOne(x: Features): Features {
    const out: Features = {};
    for (const [name, xi] of Object.entries(x)) {
      const s = this.#stats.get(name) ?? [0, 0, 0];
      const centred = xi - s[1];
      if (!this.withStd) out[name] = centred;
      else out[name] = s[2] !== 0 ? centred / Math.sqrt(s[2]) : 0;
    }
    return out;
  }

  /** Plain-JSON snapshot. */
  toJSON(): StandardScalerState {
    return {
      withStd: this.withStd,
      features: Object.fromEntries([...this.#stats].map(([k, v]) => [k, [...v]])),
    };
  }

  /** Restore from {@linkcode StandardScaler.toJSON}. */
  static fromJSON(state: StandardScalerState): StandardScaler {
    const s = new StandardScaler({ withStd: state.withStd });
    for (const [k, v] of Object.entries(state.features)) s.#stats.set(k, [v[0], v[1], v[2]]);
    return s;
  }
}
