/** The shape every detector module has; see `registry.ts` for how they are built from config. */
import type { NormalisedEvent, Severity } from "../schema.ts";

/** What a detector says when it fires: everything needed to explain the anomaly. */
export interface Firing {
  /** The measured value that crossed the threshold (e.g. 7 failed logins). */
  value: number;
  threshold: number;
  window: { ms: number; label: string };
  /** Top features with their values, for the explanation. */
  features: Record<string, number>;
  /** Ids of the events that were evidence, oldest first (bounded). */
  evidence: string[];
  /** One sentence a person can read. */
  reason: string;
  severity: Severity;
  /** 0..1 */
  score: number;
}

/**
 * A detector: keeps its own per-actor state (plain JSON, stored inside the actor) and
 * looks at one event at a time. `step` may mutate `state`; it does no I/O.
 */
export interface Detector<S = unknown> {
  /** Registry name, e.g. "brute_force". */
  readonly name: string;
  /** The anomaly type it raises. */
  readonly type: string;
  /** How long an anomaly stays open without a new firing before the next one is a new anomaly. */
  readonly windowMs: number;
  /**
   * Event kinds it looks at; others are not shown to it (and its state is not created for an
   * actor that never sends one). Absent: every kind.
   */
  readonly kinds?: ReadonlySet<string>;
  init(): S;
  step(state: S, ev: NormalisedEvent): Firing | null;
}

/** Severity and score from how far `value` is past `threshold`: 1x medium, 3x high, 10x critical. */
export function grade(value: number, threshold: number): { severity: Severity; score: number } {
  const ratio = threshold > 0 ? value / threshold : 1;
  const severity: Severity = ratio >= 10 ? "critical" : ratio >= 3 ? "high" : "medium";
  const score = Math.max(0, Math.min(1, 0.5 + 0.25 * Math.log2(Math.max(ratio, 1e-9))));
  return { severity, score: Math.round(score * 1000) / 1000 };
}

/**
 * How many occurrences one event stands for: rsyslog folds repeats into one line
 * ("message repeated 3 times: [ Failed password ... ]"), which the sshd parser keeps as
 * `raw.repeated`.
 */
export function multiplicity(ev: NormalisedEvent): number {
  const n = ev.raw?.repeated;
  return typeof n === "number" && Number.isInteger(n) && n > 1 ? Math.min(n, 1000) : 1;
}
