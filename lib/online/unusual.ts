/**
 * The `unusual` detector: Half-Space Trees over each active actor's feature vector, with a
 * threshold from a running quantile of past scores (River's QuantileFilter: score, then
 * learn, never learning a flagged vector), a grace period, and two signals that no window
 * rule has: rare commands (seen fewer than `rareBelow` times by the whole sensor fleet) and
 * first-seen malware hashes. Every anomaly names its top features against the baseline.
 */
import type { ActorState } from "../../actors/actor.ts";
import { type FeatureVector, featureVector, scaleFeatures } from "../features.ts";
import {
  HalfSpaceTrees,
  type HalfSpaceTreesState,
  QuantileFilter,
  type QuantileFilterState,
} from "../models/mod.ts";
import { Welford, type WelfordState } from "../models/mod.ts";
import type { Anomaly, NormalisedEvent, Severity } from "../schema.ts";
import { toIso } from "../timestamp.ts";
import { BoundedMap } from "./_bounded.ts";

/** Settings of the unusual detector (defaults in {@linkcode UNUSUAL_DEFAULTS}). */
export interface UnusualOptions {
  /** Quantile of past scores used as the threshold (River QuantileFilter `q`). */
  q: number;
  /** Vectors learnt before the detector may fire. */
  grace: number;
  /** HST seed, trees, height and reference window. */
  seed: number;
  nTrees: number;
  height: number;
  windowSize: number;
  /** A command seen fewer times than this (fleet-wide, before) is rare... */
  rareBelow: number;
  /** ...once this many commands have been seen at all (before that, every command is new). */
  rareWarmup: number;
  /** A score must also reach this absolute floor (HST scores crowd near their median). */
  minScore: number;
  /**
   * Rare commands an actor needs (or one first-seen malware hash) for a flagged score to be
   * raised: HST says how unusual, the novelty signals say whether it is news. 0 turns the gate off.
   */
  minRare: number;
  /** An anomaly stays open (updated, not repeated) this long after its last flagged vector. */
  openMs: number;
}

/** Defaults: q 0.99 (River's docs use 0.95..0.99), one HST window of grace. */
export const UNUSUAL_DEFAULTS: Readonly<UnusualOptions> = Object.freeze({
  q: 0.99,
  grace: 250,
  seed: 7,
  nTrees: 10,
  height: 8,
  windowSize: 250,
  rareBelow: 3,
  rareWarmup: 500,
  minScore: 0.6,
  minRare: 3,
  openMs: 600_000,
});

/** Most commands and hashes a checkpoint keeps (the most recently seen). */
const CHECKPOINT_ITEMS = 5000;

/** Clock features are explained but kept out of the trees: a new hour is not unusual behaviour. */
const NOT_IN_TREES = new Set(["hour_of_day", "weekday"]);

/** Per-IP counts of the rare signals, with the events that carried them. */
interface Signals {
  rare: number;
  hashes: number;
  ids: string[];
}

/** The full input of one score: the actor's features plus the rare signals. */
export type UnusualInput = FeatureVector & { rare_commands: number; new_hashes: number };

/** A score with its explanation. */
export interface UnusualScore {
  score: number;
  threshold: number;
  flagged: boolean;
  /** Top features: value against the baseline mean, with the robust distance. */
  top: { feature: string; value: number; baseline: number; z: number }[];
}

/** Plain-JSON state for checkpoints. */
export interface UnusualState {
  filter: QuantileFilterState<HalfSpaceTreesState>;
  pool: HalfSpaceTreesState[];
  recent: Record<string, number>[];
  baseline: Record<string, WelfordState>;
  commands: [string, number][];
  hashes: string[];
  learnt: number;
  commandsSeen: number;
  margin: number;
  allow: string[];
  swaps: number;
}

/** Input of HST: scaled features without the clock ones, plus the scaled rare signals. */
export function treeInput(x: UnusualInput): Record<string, number> {
  const s = scaleFeatures(x);
  for (const k of NOT_IN_TREES) delete s[k];
  s.rare_commands = Math.min(1, Math.log1p(x.rare_commands) / Math.log1p(50));
  s.new_hashes = Math.min(1, Math.log1p(x.new_hashes) / Math.log1p(20));
  return s;
}

/**
 * The `unusual` detector's state and logic (see the module doc).
 *
 * @example
 * ```ts
 * const u = new Unusual();
 * u.noteSignals(batch.events);
 * const anomaly = u.step(actor, ts, "vm1", ids); // score, then learn
 * ```
 */
export class Unusual {
  readonly o: UnusualOptions;
  filter: QuantileFilter<HalfSpaceTrees>;
  /** Models retired by drift adaptation, kept for recurring regimes (at most 3). */
  pool: HalfSpaceTrees[] = [];
  /** The latest learnt tree inputs (the "recent window" a replacement model is trained on). */
  recent: Record<string, number>[] = [];
  baseline = new Map<string, Welford>();
  readonly commands = new BoundedMap<string, number>(50_000);
  readonly hashes = new BoundedMap<string, true>(50_000);
  readonly #signals = new BoundedMap<string, Signals>(50_000);
  readonly #open = new BoundedMap<string, Anomaly>(10_000);
  learnt = 0;
  /** Command events seen (the rare-command signal's warm-up). */
  commandsSeen = 0;
  /** Added to the quantile threshold; feedback moves it. */
  margin = 0;
  /** IPs an operator marked as false positives. */
  allow = new Set<string>();
  swaps = 0;
  /** Score of the latest `step` (before learning). */
  lastScore = 0;
  /** Scores of learnt vectors, for the drift monitor and the Models page (drained by the caller). */
  scores: number[] = [];

  constructor(options: Partial<UnusualOptions> = {}) {
    this.o = { ...UNUSUAL_DEFAULTS, ...options };
    this.filter = new QuantileFilter(this.#newTrees(this.o.seed), { q: this.o.q });
  }

  #newTrees(seed: number): HalfSpaceTrees {
    return new HalfSpaceTrees({
      seed,
      nTrees: this.o.nTrees,
      height: this.o.height,
      windowSize: this.o.windowSize,
    });
  }

  /** Current threshold: the quantile of past scores plus the feedback margin. */
  threshold(): number {
    return Math.max(this.o.minScore, this.filter.threshold() + this.margin);
  }

  /** Whether `e` is a rare command or a first-seen download hash, without noting it. */
  signalsOf(e: NormalisedEvent): { rare: boolean; fresh: boolean } {
    const isCommand = e.command !== undefined && (e.kind === "command" || e.kind === "command_failed");
    const rare = isCommand && this.commandsSeen >= this.o.rareWarmup &&
      (this.commands.get(e.command!) ?? 0) < this.o.rareBelow;
    // Downloads and uploads only: Cowrie also hashes every session's tty log.
    const fresh = e.sha256 !== undefined && (e.kind === "download" || e.kind === "upload") &&
      !this.hashes.has(e.sha256);
    return { rare, fresh };
  }

  /** Note the rare-command and new-hash signals of events (before scoring their actors). */
  noteSignals(events: readonly NormalisedEvent[]): void {
    for (const e of events) {
      const { rare, fresh } = this.signalsOf(e);
      if (e.command !== undefined && (e.kind === "command" || e.kind === "command_failed")) {
        this.commandsSeen++;
        this.commands.set(e.command, (this.commands.get(e.command) ?? 0) + 1);
      }
      if (fresh) this.hashes.set(e.sha256!, true);
      if (!rare && !fresh) continue;
      const s = this.#signals.get(e.src_ip) ?? { rare: 0, hashes: 0, ids: [] };
      if (rare) s.rare++;
      if (fresh) s.hashes++;
      if (s.ids.length < 30) s.ids.push(e.id);
      this.#signals.set(e.src_ip, s);
    }
  }

  /** The full input for an actor at `now`. */
  input(actor: ActorState, now: number): UnusualInput {
    const sig = this.#signals.get(actor.ip);
    return { ...featureVector(actor, now), rare_commands: sig?.rare ?? 0, new_hashes: sig?.hashes ?? 0 };
  }

  /** Score without learning, with the explanation. */
  explain(x: UnusualInput): UnusualScore {
    const score = this.filter.scoreOne(treeInput(x));
    const threshold = this.threshold();
    const novel = this.o.minRare === 0 || x.rare_commands >= this.o.minRare || x.new_hashes > 0;
    return {
      score,
      threshold,
      flagged: this.learnt >= this.o.grace && score >= threshold && novel,
      top: this.#top(x),
    };
  }

  #top(x: UnusualInput): UnusualScore["top"] {
    const out: UnusualScore["top"] = [];
    for (const [k, v] of Object.entries(x)) {
      if (NOT_IN_TREES.has(k)) continue;
      const w = this.baseline.get(k);
      const mean = w?.mean ?? 0;
      const sd = w && w.n > 1 ? Math.sqrt(w.variance()) : 0;
      // Distance in baseline standard deviations; a floor keeps a constant baseline finite.
      const z = (v - mean) / Math.max(sd, 0.05 * Math.abs(mean), 0.1);
      out.push({ feature: k, value: round(v), baseline: round(mean), z: round(z) });
    }
    return out.sort((a, b) => Math.abs(b.z) - Math.abs(a.z)).slice(0, 5);
  }

  /**
   * Score then learn one actor's vector (River order). Returns an anomaly (new or updated)
   * when the actor is flagged past the grace period, else null.
   */
  step(actor: ActorState, now: number, sensor: string, batchIds: readonly string[]): Anomaly | null {
    const x = this.input(actor, now);
    const t = treeInput(x);
    const threshold = this.threshold();
    const { score, isAnomaly } = this.filter.step(t);
    this.lastScore = score;
    const novel = this.o.minRare === 0 || x.rare_commands >= this.o.minRare || x.new_hashes > 0;
    const fire = this.learnt >= this.o.grace && isAnomaly && score >= threshold && novel &&
      !this.allow.has(actor.ip);
    if (!isAnomaly) {
      this.learnt++;
      this.scores.push(score);
      for (const [k, v] of Object.entries(x)) {
        let w = this.baseline.get(k);
        if (!w) this.baseline.set(k, w = new Welford());
        w.update(v);
      }
      this.recent.push(t);
      if (this.recent.length > this.o.windowSize) this.recent.shift();
    }
    if (!fire) return null;
    return this.#raise(actor.ip, now, sensor, x, score, threshold, batchIds);
  }

  #raise(
    ip: string,
    now: number,
    sensor: string,
    x: UnusualInput,
    score: number,
    threshold: number,
    batchIds: readonly string[],
  ): Anomaly {
    const top = this.#top(x);
    const features: Record<string, number> = { score: round(score), threshold: round(threshold) };
    for (const f of top) {
      features[f.feature] = f.value;
      features[`${f.feature}_baseline`] = f.baseline;
    }
    const why = top.slice(0, 3).map((f) => `${f.feature} ${f.value} vs baseline ${f.baseline}`).join(", ");
    const reason = `Unusual behaviour: HST score ${round(score)} >= threshold ${round(threshold)} ` +
      `(q ${this.o.q} of past scores); top features: ${why}`;
    const sig = this.#signals.get(ip);
    const evidence = [...(sig?.ids ?? []), ...batchIds].slice(0, 30);
    const sev = severity(score, threshold);
    const open = this.#open.get(ip);
    if (open && now <= Date.parse(open.lastTs) + this.o.openMs) {
      open.lastTs = toIso(Math.max(now, Date.parse(open.lastTs)));
      open.updates++;
      if (score >= open.value) {
        Object.assign(open, {
          value: round(score),
          score: sev.score,
          severity: sev.severity,
          reason,
          features,
        });
      }
      open.evidence = [...new Set([...open.evidence, ...evidence])].slice(0, 30);
      return { ...open, evidence: [...open.evidence], features: { ...open.features } };
    }
    const a: Anomaly = {
      id: `unusual-${evidence[0] ?? `${ip}-${now}`}`,
      type: "unusual",
      detector: "unusual",
      ip,
      sensor,
      ts: toIso(now),
      lastTs: toIso(now),
      severity: sev.severity,
      score: sev.score,
      reason,
      window: { ms: 600_000, label: "10m" },
      threshold: round(threshold),
      value: round(score),
      features,
      evidence,
      updates: 1,
      status: "open",
    };
    this.#open.set(ip, a);
    return { ...a, evidence: [...evidence], features: { ...features } };
  }

  /**
   * Drift adaptation: train a fresh model on the recent window, then keep whichever of the
   * current, pooled and fresh models fits that window best (lowest mean score); the others
   * go to the pool (at most 3), so a regime that comes back finds its model again.
   */
  adapt(): "kept" | "fresh" | "pooled" {
    if (this.recent.length < this.o.windowSize) return "kept";
    const fresh = this.#newTrees(this.o.seed + 1 + this.swaps);
    for (const x of this.recent) fresh.learnOne(x);
    const mean = (m: HalfSpaceTrees) =>
      this.recent.reduce((s, x) => s + m.scoreOne(x), 0) / this.recent.length;
    const current = this.filter.detector;
    const candidates = [current, ...this.pool, fresh];
    let best = 0;
    const means = candidates.map(mean);
    for (let i = 1; i < means.length; i++) if (means[i] < means[best]) best = i;
    if (best === 0) return "kept";
    const chosen = candidates[best];
    this.pool = candidates.filter((m) => m !== chosen).slice(-3);
    this.filter = QuantileFilter.fromJSON(
      { ...this.filter.toJSON(), detector: chosen.toJSON() },
      (s) => HalfSpaceTrees.fromJSON(s),
    );
    this.swaps++;
    return best === candidates.length - 1 ? "fresh" : "pooled";
  }

  toJSON(): UnusualState {
    return {
      filter: this.filter.toJSON(),
      pool: this.pool.map((m) => m.toJSON()),
      recent: this.recent,
      baseline: Object.fromEntries([...this.baseline].map(([k, w]) => [k, w.toJSON()])),
      // The newest few thousand suffice to tell common from rare after a restart, and keep the
      // checkpoint small whatever attackers type.
      commands: [...this.commands.entries()].slice(-CHECKPOINT_ITEMS).filter(([c]) => c.length <= 512),
      hashes: [...this.hashes.keys()].slice(-CHECKPOINT_ITEMS),
      learnt: this.learnt,
      commandsSeen: this.commandsSeen,
      margin: this.margin,
      allow: [...this.allow],
      swaps: this.swaps,
    };
  }

  static fromJSON(s: UnusualState, options: Partial<UnusualOptions> = {}): Unusual {
    const u = new Unusual(options);
    u.filter = QuantileFilter.fromJSON(s.filter, (d) => HalfSpaceTrees.fromJSON(d));
    u.pool = s.pool.map((p) => HalfSpaceTrees.fromJSON(p));
    u.recent = s.recent;
    u.baseline = new Map(Object.entries(s.baseline).map(([k, w]) => [k, Welford.fromJSON(w)]));
    for (const [k, n] of s.commands) u.commands.set(k, n);
    for (const h of s.hashes) u.hashes.set(h, true);
    u.learnt = s.learnt;
    u.commandsSeen = s.commandsSeen;
    u.margin = s.margin;
    u.allow = new Set(s.allow);
    u.swaps = s.swaps;
    return u;
  }
}

function severity(score: number, threshold: number): { severity: Severity; score: number } {
  const over = threshold < 1 ? (score - threshold) / (1 - threshold) : 0;
  const sev: Severity = over >= 0.6 ? "high" : over >= 0.2 ? "medium" : "low";
  return { severity: sev, score: round(0.5 + 0.5 * Math.min(1, Math.max(0, over))) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
