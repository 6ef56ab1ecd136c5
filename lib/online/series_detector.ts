/**
 * The spike detector's scoring for one numeric series (what `deno task nab` runs): robust
 * median/MAD z-scores of the value and of its first difference against a sliding window
 * (score, then learn), turned into an anomaly score in [0, 1] that rises on what is new:
 * a z-score counts only by how far it exceeds the largest of the recent ones, so a level
 * shift or a long excursion is reported once, at its start, not on every row.
 */
import { MadZScore } from "../models/mod.ts";

/** Settings of {@linkcode SeriesDetector}. */
export interface SeriesDetectorOptions {
  /** Values the median and MAD are taken over. */
  window: number;
  /** Values before any non-zero score. */
  minSamples: number;
  /** Rows back whose z-scores a new one must exceed to count as new. */
  memory: number;
  /** New z at which the score reaches 0.5. */
  scale: number;
}

export const SERIES_DEFAULTS: Readonly<SeriesDetectorOptions> = Object.freeze({
  window: 1000,
  minSamples: 50,
  memory: 1000,
  scale: 8,
});

/** The z given to a change from a constant window (whose robust z is infinite); larger finite z stay. */
const Z_INFINITE = 1000;

function finite(z: number): number {
  return Number.isNaN(z) ? 0 : Number.isFinite(z) ? z : Z_INFINITE;
}

/** Anomaly scores for one numeric series, score then learn (see the module doc). */
export class SeriesDetector {
  readonly o: SeriesDetectorOptions;
  readonly #value: MadZScore;
  readonly #diff: MadZScore;
  #prev: number | null = null;
  #recent: number[] = [];

  constructor(options: Partial<SeriesDetectorOptions> = {}) {
    this.o = { ...SERIES_DEFAULTS, ...options };
    this.#value = new MadZScore({ windowSize: this.o.window, minSamples: this.o.minSamples });
    this.#diff = new MadZScore({ windowSize: this.o.window, minSamples: this.o.minSamples });
  }

  /** The raw robust z (largest of value and difference), without learning. */
  z(x: number): number {
    const zv = Math.abs(this.#value.score(x));
    const zd = this.#prev === null ? 0 : Math.abs(this.#diff.score(x - this.#prev));
    return Math.max(finite(zv), finite(zd));
  }

  /** Score `x` in [0, 1], then learn it. */
  update(x: number): number {
    const z = this.z(x);
    let prior = 0;
    for (const r of this.#recent) if (r > prior) prior = r;
    const fresh = Math.max(0, z - prior);
    this.#recent.push(z);
    if (this.#recent.length > this.o.memory) this.#recent.shift();
    this.#value.learn(x);
    if (this.#prev !== null) this.#diff.learn(x - this.#prev);
    this.#prev = x;
    // fresh / (fresh + scale): monotone and never saturating to exactly 1 (ties would blur NAB's sweep).
    return fresh / (fresh + this.o.scale);
  }
}
