/** Flag scores at or above a fixed threshold, River `anomaly.ThresholdFilter`. */
import type { InputOf, SnapshotDetector, StateOf, Verdict } from "./anomaly_detector.ts";

/** Plain-JSON state of a {@linkcode ThresholdFilter}. */
export interface ThresholdFilterState<S> {
  threshold: number;
  protectAnomalyDetector: boolean;
  detector: S;
}

/**
 * Wraps a detector: `score ≥ threshold` is anomalous, and (by default) the
 * detector never learns a flagged point, so it cannot absorb an attack.
 */
export class ThresholdFilter<D extends SnapshotDetector<never>> {
  /** The wrapped detector. */
  readonly detector: D;
  /** Scores at or above this are anomalous. */
  readonly threshold: number;
  /** Whether flagged points are withheld from the detector. */
  readonly protectAnomalyDetector: boolean;

  /** Wrap `detector` with a fixed `threshold`. */
  constructor(detector: D, options: { threshold: number; protectAnomalyDetector?: boolean }) {
    this.detector = detector;
    this.threshold = options.threshold;
    this.protectAnomalyDetector = options.protectAnomalyDetector ?? true;
  }

  /** The wrapped detector's score. */
  scoreOne(x: InputOf<D>): number {
    return this.detector.scoreOne(x);
  }

  /** Whether `score` is anomalous. */
  classify(score: number): boolean {
    return score >= this.threshold;
  }

  /** Score and classify `x`, then learn it unless protected and flagged. */
  step(x: InputOf<D>): Verdict {
    const score = this.detector.scoreOne(x);
    const isAnomaly = this.classify(score);
    if (!this.protectAnomalyDetector || !isAnomaly) this.detector.learnOne(x);
    return { score, isAnomaly };
  }

  /** River's `learn_one`: {@linkcode ThresholdFilter.step} without the verdict. */
  learnOne(x: InputOf<D>): void {
    this.step(x);
  }

  /** Plain-JSON snapshot, including the detector's. */
  toJSON(): ThresholdFilterState<StateOf<D>> {
    return {
      threshold: this.threshold,
      protectAnomalyDetector: this.protectAnomalyDetector,
      detector: this.detector.toJSON() as StateOf<D>,
    };
  }

  /** Restore from {@linkcode ThresholdFilter.toJSON}; `reviveDetector` restores the wrapped detector. */
  static fromJSON<D extends SnapshotDetector<never>>(
    state: ThresholdFilterState<StateOf<D>>,
    reviveDetector: (state: StateOf<D>) => D,
  ): ThresholdFilter<D> {
    return new ThresholdFilter<D>(reviveDetector(state.detector), {
      threshold: state.threshold,
      protectAnomalyDetector: state.protectAnomalyDetector,
    });
  }
}
