/**
 * The `traffic_spike` detector: global, per-sensor and per-kind event counts in per-minute
 * buckets of event time, each against an online baseline of the completed buckets before it
 * (robust median/MAD z-score over the last hour, plus an EWMA z-score for the explanation).
 * The running bucket is scored as it fills, so a spike is raised while it happens; a flagged
 * bucket is never learnt. A sensor or kind series whose minute holds every event of the minute
 * (one sensor active; a firewall-only feed) is the same traffic as the global series: its spike
 * is folded into the global anomaly, which names the sensor and kind, and its level shift into
 * the global one, rather than reported twice. Page-Hinkley on each series' level reports lasting rate changes
 * (drift) rather than spikes.
 */
import { EwmaZScore, type EwmaZScoreState, MadZScore, type MadZScoreState } from "../models/mod.ts";
import { PageHinkley, type PageHinkleyState } from "../models/mod.ts";
import type { Anomaly, NormalisedEvent, Severity } from "../schema.ts";
import { toIso } from "../timestamp.ts";

/** Settings of the spike detector. */
export interface TrafficSpikeOptions {
  /** Bucket width (ms). */
  bucketMs: number;
  /** Robust z-score a bucket must reach. */
  z: number;
  /** And at least this many events in the bucket... */
  minCount: number;
  /** ...and at least this multiple of the baseline median. */
  minRatio: number;
  /** Completed buckets of a series before it may fire. */
  grace: number;
  /** Completed buckets the baseline is taken over. */
  window: number;
}

/** Defaults: a minute's count 6 robust SDs and 2x over the last hour's median, after 10 minutes. */
export const SPIKE_DEFAULTS: Readonly<TrafficSpikeOptions> = Object.freeze({
  bucketMs: 60_000,
  z: 6,
  minCount: 50,
  minRatio: 2,
  grace: 10,
  window: 60,
});

/** Most series kept (sensor and kind names come from clients). */
const MAX_SERIES = 200;

/**
 * Smallest spread (σ, events per bucket) a baseline is given. Counts are whole numbers, so a history
 * that varies by less than one event a minute is flat (a steady bot, a sensor silent for an hour), and
 * its robust z would divide by 0: against the floor, z is the excess in events per minute.
 */
const MIN_SCALE = 1;

interface Series {
  key: string;
  bucket: number;
  count: number;
  ids: string[];
  flagged: boolean;
  /** This bucket's spike is folded into the global anomaly (sensor and kind series only). */
  folded: boolean;
  /** Id of the open anomaly while consecutive buckets are flagged. */
  openId: string | null;
  /** Event time the open anomaly was raised at. */
  openTs: number;
  /** Cached median of the baseline window (null: recompute). */
  median?: number | null;
  completed: number;
  mad: MadZScore;
  ew: EwmaZScore;
  ph: PageHinkley;
}

/** A lasting change of a series' level, found by Page-Hinkley. */
export interface RateShift {
  key: string;
  at: number;
  before: number;
  after: number;
}

export interface TrafficSpikeState {
  margin: number;
  series: {
    key: string;
    bucket: number;
    count: number;
    flagged: boolean;
    openId: string | null;
    openTs: number;
    completed: number;
    mad: MadZScoreState;
    ew: EwmaZScoreState;
    ph: PageHinkleyState;
  }[];
}

/** The `traffic_spike` detector over per-minute counts (see the module doc). */
export class TrafficSpike {
  readonly o: TrafficSpikeOptions;
  readonly series = new Map<string, Series>();
  /** Added to the z threshold; feedback moves it. */
  margin = 0;
  /** Level shifts found since the caller last drained them. */
  shifts: RateShift[] = [];
  /** The global series' latest roll: the bucket it closed, its count, the buckets it shifted at. */
  #globalRoll: { from: number; count: number; shiftedAt: number[] } | null = null;

  constructor(options: Partial<TrafficSpikeOptions> = {}) {
    this.o = { ...SPIKE_DEFAULTS, ...options };
  }

  #series(key: string, bucket: number): Series | null {
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= MAX_SERIES) return null;
      s = {
        key,
        bucket,
        count: 0,
        ids: [],
        flagged: false,
        folded: false,
        openId: null,
        openTs: 0,
        completed: 0,
        mad: new MadZScore({ windowSize: this.o.window, minSamples: this.o.grace }),
        ew: new EwmaZScore({ fadingFactor: 0.1, gracePeriod: this.o.grace }),
        ph: new PageHinkley({ minInstances: this.o.grace, delta: 0.1, threshold: 10, mode: "both" }),
      };
      this.series.set(key, s);
    }
    return s;
  }

  /** Close buckets before `bucket`: learn them (unless flagged), empty minutes as zeros. */
  #roll(s: Series, bucket: number): void {
    let missing = Math.min(this.o.window, Math.round((bucket - s.bucket) / this.o.bucketMs) - 1);
    // The global series rolls first for every event. A series that closes the same minute with the
    // same count saw the same traffic: its level shifts are the global ones, already reported.
    const g = this.#globalRoll;
    const sameAsGlobal = s.key !== "*" && g !== null && g.from === s.bucket && g.count === s.count;
    if (s.key === "*") this.#globalRoll = { from: s.bucket, count: s.count, shiftedAt: [] };
    const close = (count: number, flagged: boolean) => {
      const level = count / Math.max(1, s.mad.median());
      if (!flagged) {
        s.mad.learn(count);
        s.median = null;
        s.ew.learn(count);
      }
      s.completed++;
      // Page-Hinkley starts once the baseline exists (a level against no median means nothing).
      if (s.completed <= this.o.grace) return;
      const before = s.ph.mean;
      if (s.ph.update(level)) {
        if (s.key === "*") this.#globalRoll!.shiftedAt.push(s.bucket);
        else if (sameAsGlobal && g.shiftedAt.includes(s.bucket)) return;
        this.shifts.push({ key: s.key, at: s.bucket, before: round(before), after: round(level) });
      }
    };
    close(s.count, s.flagged);
    if (!s.flagged) s.openId = null;
    while (missing-- > 0) {
      close(0, false);
      s.openId = null;
    }
    s.bucket = bucket;
    s.count = 0;
    s.ids = [];
    s.flagged = false;
    s.folded = false;
  }

  /** Count events; returns spike anomalies raised or updated by this batch. */
  observe(events: readonly NormalisedEvent[]): Anomaly[] {
    const out = new Map<string, Anomaly>();
    for (const e of events) {
      const bucket = e.ts - (((e.ts % this.o.bucketMs) + this.o.bucketMs) % this.o.bucketMs);
      // Count the event in all three series before judging any, so the global check sees the
      // others' counts and theirs see whether the global series already flagged the minute.
      const counted: (Series | null)[] = [];
      for (const key of ["*", `sensor:${e.sensor}`, `kind:${e.kind}`]) {
        const s = this.#series(key, bucket);
        if (s && bucket > s.bucket) this.#roll(s, bucket);
        if (!s || bucket < s.bucket) { // late: its minute is already judged
          counted.push(null);
          continue;
        }
        s.count++;
        if (s.ids.length < 20) s.ids.push(e.id);
        counted.push(s);
      }
      const [all, sensor, kind] = counted;
      // A sensor or kind that holds every event of this minute: its series is the global one.
      const sole = {
        sensor: all !== null && sensor !== null && sensor.count === all.count,
        kind: all !== null && kind !== null && kind.count === all.count,
      };
      for (const s of counted) {
        if (!s) continue;
        const a = this.#check(s, e, all, (s === sensor && sole.sensor) || (s === kind && sole.kind), sole);
        if (a) out.set(a.id, a);
      }
    }
    return [...out.values()];
  }

  /** The robust z-score of `count` for a series (without learning). */
  score(key: string, count: number): { z: number; median: number; mad: number; ewmaZ: number } {
    const s = this.series.get(key);
    if (!s) return { z: 0, median: 0, mad: 0, ewmaZ: 0 };
    const median = s.mad.median();
    return { z: round(robustZ(s.mad, count, median).z), median, mad: s.mad.mad(), ewmaZ: s.ew.score(count) };
  }

  /**
   * Judge the running bucket of `s` after `e` was counted. `same`: `s` holds every event of the
   * minute (so `all`, the global series, says the same); `sole`: whether `e`'s sensor and kind do.
   */
  #check(
    s: Series,
    e: NormalisedEvent,
    all: Series | null,
    same: boolean,
    sole: { sensor: boolean; kind: boolean },
  ): Anomaly | null {
    if (s.folded) return null;
    if (s.completed < this.o.grace || s.count < this.o.minCount) return null;
    // The median only changes when a minute closes: cached, so the cheap tests run per event and the
    // robust z (a sort of the window) only once a minute is already past the count floors.
    s.median ??= s.mad.median();
    const median = s.median;
    if (s.count < this.o.minRatio * Math.max(1, median)) return null;
    const { z, flat } = robustZ(s.mad, s.count, median);
    const zThreshold = this.o.z + this.margin;
    if (!(z >= zThreshold)) {
      return null;
    }
    if (same && all?.flagged) {
      // The global anomaly already says this and names the sensor or kind; the minute is still not learnt.
      s.flagged = true;
      s.folded = true;
      return null;
    }
    // Re-emit a flagged bucket only when its count doubles, to keep the feed quiet.
    const first = !s.flagged;
    s.flagged = true;
    const pow2 = (s.count & (s.count - 1)) === 0;
    if (!first && !pow2) return null;
    if (s.openId === null) {
      s.openId = `traffic_spike-${s.key}-${e.id}`;
      s.openTs = e.ts;
    }
    const ewmaZ = s.ew.score(s.count);
    const what = s.key === "*" ? "all events" : s.key.replace(":", " ");
    // The global series names the sensor and the kind that hold every event of the minute.
    const global = s.key === "*";
    const sensor = s.key.startsWith("sensor:") ? s.key.slice(7) : global && sole.sensor ? e.sensor : null;
    const alone = [
      ...(global && sole.sensor ? [`from sensor ${e.sensor}`] : []),
      ...(global && sole.kind ? [`of kind ${e.kind}`] : []),
    ];
    const from = alone.length > 0 ? ` (all ${alone.join(", ")})` : "";
    const ratio = s.count / Math.max(1, median);
    const sev: Severity = ratio >= 10 ? "critical" : ratio >= 5 ? "high" : "medium";
    return {
      id: s.openId,
      type: "traffic_spike",
      detector: "traffic_spike",
      ip: "*",
      ...(sensor !== null ? { sensor } : {}),
      ts: toIso(s.openTs),
      lastTs: toIso(e.ts),
      severity: sev,
      score: round(Math.min(1, 0.5 + 0.25 * Math.log2(Math.max(1, ratio / this.o.minRatio)))),
      reason: flat
        ? `Traffic spike in ${what}${from}: ${s.count} events/min against a flat baseline of ${
          round(median)
        } ` +
          `(the minute from ${toIso(s.bucket)}; the last ${s.mad.size} minutes vary by under one event, ` +
          `so z is the excess over the baseline: ${round(z)} >= ${zThreshold})`
        : `Traffic spike in ${what}${from}: ${s.count} events in the minute from ${toIso(s.bucket)} ` +
          `against a median of ${round(median)} per minute (robust z ${round(z)} >= ${zThreshold})`,
      window: { ms: this.o.bucketMs, label: "1m" },
      threshold: zThreshold,
      value: round(z),
      features: {
        count: s.count,
        baseline_median: round(median),
        baseline_mad: round(s.mad.mad()),
        robust_z: round(z),
        ewma_z: round(ewmaZ),
        ratio: round(ratio),
      },
      evidence: [...s.ids],
      updates: 1,
      status: "open",
    };
  }

  toJSON(): TrafficSpikeState {
    return {
      margin: this.margin,
      series: [...this.series.values()].map((s) => ({
        key: s.key,
        bucket: s.bucket,
        count: s.count,
        flagged: s.flagged,
        openId: s.openId,
        openTs: s.openTs,
        completed: s.completed,
        mad: s.mad.toJSON(),
        ew: s.ew.toJSON(),
        ph: s.ph.toJSON(),
      })),
    };
  }

  static fromJSON(state: TrafficSpikeState, options: Partial<TrafficSpikeOptions> = {}): TrafficSpike {
    const t = new TrafficSpike(options);
    t.margin = state.margin;
    for (const s of state.series) {
      t.series.set(s.key, {
        ...s,
        ids: [],
        folded: false,
        mad: MadZScore.fromJSON(s.mad),
        ew: EwmaZScore.fromJSON(s.ew),
        ph: PageHinkley.fromJSON(s.ph),
      });
    }
    return t;
  }
}

/** Robust z of `count` against a baseline, its spread floored at {@linkcode MIN_SCALE} (always finite). */
function robustZ(mad: MadZScore, count: number, median: number): { z: number; flat: boolean } {
  if (mad.size < mad.minSamples) return { z: 0, flat: false };
  const scale = mad.scale();
  return { z: (count - median) / Math.max(MIN_SCALE, scale), flat: scale < MIN_SCALE };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
