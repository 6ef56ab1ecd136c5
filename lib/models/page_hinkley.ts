/** Page-Hinkley change detector with River `drift.PageHinkley` (≥ 0.12) semantics. */
import { checkInteger } from "./_check.ts";

/** Which direction of mean shift raises a drift. */
export type PageHinkleyMode = "up" | "down" | "both";

/** Options of {@linkcode PageHinkley}; defaults are River's. */
export interface PageHinkleyOptions {
  /** Values before any detection (default 30). */
  minInstances?: number;
  /** Tolerated magnitude of change (default 0.005). */
  delta?: number;
  /** Detection threshold λ (default 50). */
  threshold?: number;
  /** Forgetting factor of the cumulative sums (default 0.9999). */
  alpha?: number;
  /** Detect increases, decreases or both (default "both"). */
  mode?: PageHinkleyMode;
}

/** Plain-JSON state of a {@linkcode PageHinkley}; `null` stands for River's initial +∞ minimum. */
export interface PageHinkleyState {
  options: Required<PageHinkleyOptions>;
  n: number;
  mean: number;
  sumUp: number;
  sumDown: number;
  minUp: number | null;
  maxDown: number;
  driftDetected: boolean;
}

/**
 * Two-sided Page-Hinkley test (Sebastião & Fernandes 2017) on deviations from
 * the running mean: `S↑ = α·S↑ + (x − mean) − δ`, `S↓ = α·S↓ + (x − mean) + δ`;
 * drift when `S↑ − min S↑ > λ` (up) or `max S↓ − S↓ > λ` (down). The state is
 * reset on the update after a drift.
 */
export class PageHinkley {
  /** Resolved options. */
  readonly options: Readonly<Required<PageHinkleyOptions>>;
  #n = 0;
  #mean = 0;
  #sumUp = 0;
  #sumDown = 0;
  #minUp = Infinity;
  #maxDown = -1;
  #driftDetected = false;

  /** Create a detector with River's defaults unless overridden. */
  constructor(options: PageHinkleyOptions = {}) {
    const o = {
      minInstances: options.minInstances ?? 30,
      delta: options.delta ?? 0.005,
      threshold: options.threshold ?? 50,
      alpha: options.alpha ?? 1 - 0.0001,
      mode: options.mode ?? "both",
    };
    checkInteger("PageHinkley", "minInstances", o.minInstances, 1);
    if (!["up", "down", "both"].includes(o.mode)) {
      throw new RangeError(`Cannot create PageHinkley: mode is "${o.mode}", must be "up", "down" or "both"`);
    }
    this.options = Object.freeze(o);
  }

  /** Whether the last update detected drift. */
  get driftDetected(): boolean {
    return this.#driftDetected;
  }

  /** Running mean since the last reset. */
  get mean(): number {
    return this.#mean;
  }

  #reset(): void {
    this.#n = 0;
    this.#mean = 0;
    this.#sumUp = 0;
    this.#sumDown = 0;
    this.#minUp = Infinity;
    this.#maxDown = -1; // River's literal initial value; S↓ ≥ δ after one update anyway
  }

  /** Add one value; returns whether drift was detected. */
  update(x: number): boolean {
    if (this.#driftDetected) {
      this.#reset();
      this.#driftDetected = false;
    }
    const { alpha, delta, threshold, minInstances, mode } = this.options;
    this.#n += 1;
    this.#mean += (1 / this.#n) * (x - this.#mean);
    const dev = x - this.#mean;
    this.#sumUp = alpha * this.#sumUp + dev - delta;
    this.#sumDown = alpha * this.#sumDown + dev + delta;
    this.#minUp = Math.min(this.#minUp, this.#sumUp);
    this.#maxDown = Math.max(this.#maxDown, this.#sumDown);
    if (this.#n >= minInstances) {
      const up = this.#sumUp - this.#minUp > threshold;
      const down = this.#maxDown - this.#sumDown > threshold;
      this.#driftDetected = mode === "up" ? up : mode === "down" ? down : up || down;
    }
    return this.#driftDetected;
  }

  /** Plain-JSON snapshot. */
  toJSON(): PageHinkleyState {
    return {
      options: { ...this.options },
      n: this.#n,
      mean: this.#mean,
      sumUp: this.#sumUp,
      sumDown: this.#sumDown,
      minUp: Number.isFinite(this.#minUp) ? this.#minUp : null,
      maxDown: this.#maxDown,
      driftDetected: this.#driftDetected,
    };
  }

  /** Restore from {@linkcode PageHinkley.toJSON}. */
  static fromJSON(state: PageHinkleyState): PageHinkley {
    const p = new PageHinkley(state.options);
    p.#n = state.n;
    p.#mean = state.mean;
    p.#sumUp = state.sumUp;
    p.#sumDown = state.sumDown;
    p.#minUp = state.minUp ?? Infinity;
    p.#maxDown = state.maxDown;
    p.#driftDetected = state.driftDetected;
    return p;
  }
}
