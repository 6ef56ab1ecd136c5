/** The contract filters expect from an anomaly detector (River's `AnomalyDetector`). */

/** An online anomaly detector: `scoreOne` must not change state. */
export interface AnomalyDetector<X> {
  /** Anomaly score of `x`, higher = more anomalous; pure. */
  scoreOne(x: X): number;
  /** Update the model with `x`. */
  learnOne(x: X): void;
}

/** A detector whose state can be checkpointed as plain JSON. */
export interface SnapshotDetector<X, S = unknown> extends AnomalyDetector<X> {
  /** Plain-JSON snapshot. */
  toJSON(): S;
}

/** A score together with the filter's verdict on it. */
export interface Verdict {
  score: number;
  isAnomaly: boolean;
}

/** Input type of detector `D`. */
export type InputOf<D extends SnapshotDetector<never>> = Parameters<D["scoreOne"]>[0];

/** Snapshot type of detector `D`. */
export type StateOf<D extends SnapshotDetector<never>> = ReturnType<D["toJSON"]>;
