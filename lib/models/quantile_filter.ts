/** Flag scores above a running quantile of past scores, River `anomaly.QuantileFilter`. */
import type { InputOf, SnapshotDetector, StateOf, Verdict } from "./anomaly_detector.ts";
import { Quantile, type QuantileState } from "./quantile.ts";

/** Options of a {@linkcode QuantileFilter}. */
export interface QuantileFilterOptions {
  /** Quantile of past scores used as the threshold, in (0, 1). */
  q: number;
  /** Do not let the detector learn flagged points (River default true). */
  protectAnomalyDetector?: boolean;
}

/** Plain-JSON state of a {@linkcode QuantileFilter}. */
export interface QuantileFilterState<S> {
  protectAnomalyDetector: boolean;
  quantile: QuantileState;
  detector: S;
}

/**
 * Wraps a detector: a score is anomalous iff `score ≥ P²-quantile(q)` of all
 * earlier scores (a quantile of exactly 0, i.e. nothing seen yet or HST's
 * first window, means "no threshold"). Learning scores `x`, lets the detector
 * learn it only when not flagged (unless unprotected), then always adds the
 * score to the quantile.
 *
 * @example
 * ```ts
 * const filter = new QuantileFilter(new HalfSpaceTrees({ seed: 42 }), { q: 0.99 });
 * const { score, isAnomaly } = filter.step(scaled);
 * ```
 */
export class QuantileFilter<D extends SnapshotDetector<never>> {
  /** The wrapped detector. */
  readonly detector: D;
  /** Whether flagged points are withheld from the detector. */
  readonly protectAnomalyDetector: boolean;
  #quantile: Quantile;

  /** Wrap `detector`. */
  constructor(detector: D, options: QuantileFilterOptions) {
    this.detector = detector;
    this.protectAnomalyDetector = options.protectAnomalyDetector ?? true;
    this.#quantile = new Quantile(options.q);
  }

  /** The quantile level. */
  get q(): number {
    return this.#quantile.q;
  }

  /** Current threshold (Infinity until a non-zero quantile exists). */
  threshold(): number {
    const t = this.#quantile.get();
    return t === 0 ? Infinity : t;
  }

  /** The wrapped detector's score. */
  scoreOne(x: InputOf<D>): number {
    return this.detector.scoreOne(x);
  }

  /** Whether `score` is anomalous under the current threshold. */
  classify(score: number): boolean {
    return score >= this.threshold();
  }

  /** Score and classify `x`, then learn it (one detector score per call). */
  step(x: InputOf<D>): Verdict {
    const score = this.detector.scoreOne(x);
    const isAnomaly = this.classify(score);
    if (!this.protectAnomalyDetector || !isAnomaly) this.detector.learnOne(x);
    this.#quantile.update(score);
    return { score, isAnomaly };
  }

  /** River's `learn_one`: {@linkcode QuantileFilter.step} without the verdict. */
  learnOne(x: InputOf<D>): void {
    this.step(x);
  }

  /** Plain-JSON snapshot, including the detector's. */
  toJSON(): QuantileFilterState<StateOf<D>> {
    return {
      protectAnomalyDetector: this.protectAnomalyDetector,
      quantile: this.#quantile.toJSON(),
      detector: this.detector.toJSON() as StateOf<D>,
    };
  }

  /** Restore from {@linkcode QuantileFilter.toJSON}; `reviveDetector` restores the wrapped detector. */
  static fromJSON<D extends SnapshotDetector<never>>(
    state: QuantileFilterState<StateOf<D>>,
    reviveDetector: (state: StateOf<D>) => D,
  ): QuantileFilter<D> {
    const filter = new QuantileFilter<D>(reviveDetector(state.detector), {
      q: state.quantile.q,
      protectAnomalyDetector: state.protectAnomalyDetector,
    });
    filter.#quantile = Quantile.fromJSON(state.quantile);
    return filter;
  }
}
