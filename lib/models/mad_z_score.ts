/** Rolling-window robust z-score: median and median absolute deviation. */
import { checkInteger } from "./_check.ts";

/** 1/Φ⁻¹(3/4): makes MAD a consistent estimator of σ for normal data. */
const MAD_TO_SIGMA = 1.482602218505602;
/** sqrt(π/2): makes the mean absolute deviation estimate σ for normal data. */
const MEAN_AD_TO_SIGMA = 1.2533141373155003;

/** Options of a {@linkcode MadZScore}. */
export interface MadZScoreOptions {
  /** Number of most recent values the median and MAD are taken over (default 60). */
  windowSize?: number;
  /** Values needed in the window before any non-zero score (default 5). */
  minSamples?: number;
}

/** Plain-JSON state of a {@linkcode MadZScore}: the window, oldest first. */
export interface MadZScoreState {
  windowSize: number;
  minSamples: number;
  window: number[];
}

/** Median of an ascending array (mean of the two middle values when even). */
function sortedMedian(s: readonly number[]): number {
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Robust z-score over a sliding window `W` of the last `windowSize` values,
 * computed *before* `x` joins the window (score, then learn):
 *
 *     z = (x − median(W)) / (1.4826 · MAD(W)),  MAD(W) = median(|w − median(W)|)
 *
 * (the Iglewicz–Hoaglin modified z-score). When MAD is 0 (over half the
 * window identical) the scale falls back to 1.2533 · mean(|w − median(W)|);
 * when that is 0 too (constant window) z is 0 for `x = median` and ±Infinity
 * otherwise. Medians of an even count average the two middle values. z is 0
 * until the window holds `minSamples` values.
 */
export class MadZScore {
  /** Number of most recent values kept. */
  readonly windowSize: number;
  /** Values needed before any non-zero score. */
  readonly minSamples: number;
  #window: number[] = [];
  #sorted: number[] = [];

  /** Create with a 60-value window and 5 samples before scoring by default. */
  constructor(options: MadZScoreOptions = {}) {
    this.windowSize = options.windowSize ?? 60;
    this.minSamples = options.minSamples ?? 5;
    checkInteger("MadZScore", "windowSize", this.windowSize, 1);
    checkInteger("MadZScore", "minSamples", this.minSamples, 1);
  }

  /** Median of the current window (0 when empty). */
  median(): number {
    return this.#sorted.length === 0 ? 0 : sortedMedian(this.#sorted);
  }

  /** Median absolute deviation of the current window from its median (0 when empty). */
  mad(): number {
    if (this.#sorted.length === 0) return 0;
    const med = sortedMedian(this.#sorted);
    return sortedMedian(this.#sorted.map((v) => Math.abs(v - med)).sort((a, b) => a - b));
  }

  /** Values in the window. */
  get size(): number {
    return this.#sorted.length;
  }

  /**
   * The σ estimate `score` divides by: 1.4826 · MAD, or 1.2533 · mean absolute deviation when
   * MAD is 0; 0 for an empty or constant window.
   */
  scale(): number {
    const s = this.#sorted;
    if (s.length === 0) return 0;
    const med = sortedMedian(s);
    const deviations = s.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
    const scale = MAD_TO_SIGMA * sortedMedian(deviations);
    if (scale !== 0) return scale;
    let sum = 0;
    for (const d of deviations) sum += d;
    return MEAN_AD_TO_SIGMA * (sum / deviations.length);
  }

  /** Robust z-score of `x` against the current window, without learning it. */
  score(x: number): number {
    const s = this.#sorted;
    if (s.length === 0 || s.length < this.minSamples) return 0;
    const scale = this.scale();
    const diff = x - sortedMedian(s);
    if (scale === 0) return diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
    return diff / scale;
  }

  /** Push `x` into the window, evicting the oldest value when full. */
  learn(x: number): void {
    if (Number.isNaN(x)) throw new RangeError("Cannot learn value: x is NaN, must be a number");
    this.#window.push(x);
    insertSorted(this.#sorted, x);
    if (this.#window.length > this.windowSize) {
      const old = this.#window.shift()!;
      this.#sorted.splice(lowerBound(this.#sorted, old), 1);
    }
  }

  /** Score `x`, then learn it; returns the score. */
  update(x: number): number {
    const z = this.score(x);
    this.learn(x);
    return z;
  }

  /** Plain-JSON snapshot. */
  toJSON(): MadZScoreState {
    return { windowSize: this.windowSize, minSamples: this.minSamples, window: [...this.#window] };
  }

  /** Restore from {@linkcode MadZScore.toJSON}. */
  static fromJSON(state: MadZScoreState): MadZScore {
    const z = new MadZScore({ windowSize: state.windowSize, minSamples: state.minSamples });
    for (const v of state.window) z.learn(v);
    return z;
  }
}

function lowerBound(s: readonly number[], x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(s: number[], x: number): void {
  s.splice(lowerBound(s, x), 0, x);
}
