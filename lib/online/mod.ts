/**
 * The online models in the live pipeline: `unusual` (HST over actor features), `traffic_spike`
 * (rates against a robust baseline) and drift monitoring with adaptation, as one pipeline
 * observer; checkpointed to KV and restored at start; scored without learning for
 * `/api/predict`; tuned by analyst feedback.
 *
 * @module
 */
import { type ActorState, step } from "../../actors/actor.ts";
import type { Detector } from "../detectors/mod.ts";
import type { Feedback } from "../feedback.ts";
import type { Hub } from "../hub.ts";
import type { LiveFeed } from "../live_feed.ts";
import { log } from "../log.ts";
import type { BatchObserver, ObservedBatch } from "../pipeline.ts";
import type { Anomaly, NormalisedEvent } from "../schema.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { AdwinBank, type DriftEvent, driftEvent, storeDrifts } from "./drift.ts";
import { TrafficSpike, type TrafficSpikeOptions, type TrafficSpikeState } from "./traffic_spike.ts";
import { treeInput, Unusual, type UnusualInput, type UnusualOptions, type UnusualState } from "./unusual.ts";
import type { AdwinState } from "../models/mod.ts";

export { type DriftEvent, listDrifts } from "./drift.ts";
export { TrafficSpike, type TrafficSpikeOptions } from "./traffic_spike.ts";
export { Unusual, type UnusualOptions } from "./unusual.ts";

/** Checkpoint name in KV. */
const CHECKPOINT = "online";
/** Score histogram bins over [0, 1]. */
const BINS = 20;

export interface OnlineModelsOptions {
  unusual?: Partial<UnusualOptions>;
  spike?: Partial<TrafficSpikeOptions>;
  retentionMs: number;
}

interface OnlineState {
  v: 1;
  unusual: UnusualState;
  spike: TrafficSpikeState;
  adwins: Record<string, AdwinState>;
  histogram: number[];
  flagged: number;
  drifts: DriftEvent[];
}

/** What `feedback` changed, in words and numbers. */
export interface FeedbackChange {
  detector: string;
  changed: string;
  threshold?: { before: number; after: number };
  allowlisted?: string;
}

/** The online models of one server process, fed by the pipeline (see the module doc). */
export class OnlineModels {
  unusual: Unusual;
  spike: TrafficSpike;
  adwins = new AdwinBank();
  /** Histogram of learnt unusual scores (20 bins over [0, 1]). */
  histogram: number[] = new Array(BINS).fill(0);
  flagged = 0;
  /** Latest drifts (newest last), for the Models page. */
  drifts: DriftEvent[] = [];
  savedAt: number | null = null;
  /** Unusual score of each IP in the latest batch (scored before learning), for evaluation. */
  batchScores = new Map<string, number>();
  restoredAt: number | null = null;
  readonly #o: OnlineModelsOptions;

  constructor(options: OnlineModelsOptions) {
    this.#o = options;
    this.unusual = new Unusual(options.unusual);
    this.spike = new TrafficSpike(options.spike);
  }

  /** Restore the models from their KV checkpoint, or start fresh. */
  static async open(kv: Deno.Kv, options: OnlineModelsOptions): Promise<OnlineModels> {
    const m = new OnlineModels(options);
    const cp = await loadCheckpoint<OnlineState>(kv, CHECKPOINT).catch((e) => {
      log.warn("model checkpoint unreadable; starting fresh", { error: String(e) });
      return null;
    });
    if (cp && cp.value.v === 1) {
      const s = cp.value;
      m.unusual = Unusual.fromJSON(s.unusual, options.unusual);
      m.spike = TrafficSpike.fromJSON(s.spike, options.spike);
      m.adwins = AdwinBank.fromJSON(s.adwins);
      m.histogram = s.histogram;
      m.flagged = s.flagged;
      m.drifts = s.drifts;
      m.restoredAt = cp.savedAt;
      m.savedAt = cp.savedAt;
    }
    return m;
  }

  /** Write the checkpoint. */
  async save(kv: Deno.Kv, now: number): Promise<void> {
    await saveCheckpoint(kv, CHECKPOINT, this.toJSON(), now);
    this.savedAt = now;
  }

  toJSON(): OnlineState {
    return {
      v: 1,
      unusual: this.unusual.toJSON(),
      spike: this.spike.toJSON(),
      adwins: this.adwins.toJSON(),
      histogram: this.histogram,
      flagged: this.flagged,
      drifts: this.drifts,
    };
  }

  /** The pipeline observer; drift events go to `hub`, KV and (with `feed`) other instances. */
  observer(kv: Deno.Kv, hub: Hub, feed?: LiveFeed): BatchObserver {
    return {
      name: "online_models",
      observe: async (batch) => {
        const { anomalies, drifts } = this.observe(batch);
        if (drifts.length > 0) {
          await storeDrifts(kv, drifts, this.#o.retentionMs, feed);
          for (const d of drifts) hub.publish("drift", d);
        }
        return anomalies;
      },
    };
  }

  /** Score then learn a batch (pure apart from the models' own state). */
  observe(
    batch: Pick<ObservedBatch, "events" | "actors" | "sensor">,
  ): { anomalies: Anomaly[]; drifts: DriftEvent[] } {
    const anomalies = this.spike.observe(batch.events);
    this.unusual.noteSignals(batch.events);
    const byIp = new Map<string, { ts: number; ids: string[]; sensor: string }>();
    for (const e of batch.events) {
      const g = byIp.get(e.src_ip);
      if (!g) byIp.set(e.src_ip, { ts: e.ts, ids: [e.id], sensor: e.sensor });
      else {
        if (e.ts > g.ts) g.ts = e.ts;
        if (g.ids.length < 10) g.ids.push(e.id);
      }
    }
    const drifts: DriftEvent[] = [];
    let last = 0;
    this.batchScores = new Map();
    // Feature drift watches the batch's mean learnt vector: one ADWIN update per feature and
    // batch, not per actor (at 100 actors a batch that was a third of the models' cost).
    const learntSum = new Map<string, number>();
    let learntN = 0;
    for (const [ip, g] of byIp) {
      const actor = batch.actors.peek(ip);
      if (!actor) continue;
      last = Math.max(last, g.ts);
      const learntBefore = this.unusual.learnt;
      const a = this.unusual.step(actor, g.ts, g.sensor, g.ids);
      this.batchScores.set(ip, this.unusual.lastScore);
      if (a) {
        anomalies.push(a);
        this.flagged++;
      }
      if (this.unusual.learnt > learntBefore) {
        const x = this.unusual.recent.at(-1)!;
        for (const k in x) learntSum.set(k, (learntSum.get(k) ?? 0) + x[k]);
        learntN++;
      }
    }
    if (learntN > 0) {
      const mean: Record<string, number> = {};
      for (const [k, v] of learntSum) mean[k] = v / learntN;
      this.#featureDrift(mean, last, drifts);
    }
    for (const s of this.unusual.scores) {
      this.histogram[Math.min(BINS - 1, Math.floor(s * BINS))]++;
      const cut = this.adwins.update("unusual.score", s);
      if (cut) {
        const action = this.unusual.adapt();
        const what = action === "fresh"
          ? `swapped in a model trained on the last ${this.unusual.recent.length} vectors`
          : action === "pooled"
          ? "swapped back a pooled model that fits the recent window best"
          : "kept the current model (it fits the recent window best)";
        drifts.push(driftEvent("unusual.score", "adwin", last, cut.before, cut.after, what));
      }
    }
    this.unusual.scores = [];
    for (const sh of this.spike.shifts) {
      drifts.push(
        driftEvent(`rate:${sh.key}`, "page_hinkley", sh.at, sh.before, sh.after, "baseline keeps adapting"),
      );
    }
    this.spike.shifts = [];
    for (const d of drifts) {
      this.drifts.push(d);
      if (this.drifts.length > 100) this.drifts.shift();
    }
    return { anomalies, drifts };
  }

  #featureDrift(x: Record<string, number>, at: number, out: DriftEvent[]): void {
    for (const [k, v] of Object.entries(x)) {
      const cut = this.adwins.update(`feature:${k}`, v);
      // Small cuts are ADWIN doing its job on noisy data; only a real level change is news.
      if (cut && Math.abs(cut.after - cut.before) >= 0.05) {
        out.push(driftEvent(`feature:${k}`, "adwin", at, cut.before, cut.after, "models keep learning"));
      }
    }
  }

  /** Scores of one event, as if applied to its actor (nothing learns, nothing is stored). */
  predictEvent(ev: NormalisedEvent, actor: ActorState, detectors: readonly Detector[]): PredictResult {
    const copy = structuredClone(actor);
    const { anomalies } = step(copy, ev, detectors);
    const rules: Record<string, unknown> = {};
    for (const d of detectors) {
      const a = anomalies.find((x) => x.detector === d.name);
      rules[d.name] = a
        ? {
          fired: true,
          score: a.score,
          value: a.value,
          threshold: a.threshold,
          reason: a.reason,
          features: a.features,
        }
        : { fired: false };
    }
    const x = this.unusual.input(copy, ev.ts);
    // The same signal rules as the live path (a tty-log hash is no download).
    const { rare, fresh } = this.unusual.signalsOf(ev);
    if (rare) x.rare_commands++;
    if (fresh) x.new_hashes++;
    const spikes: Record<string, unknown> = {};
    for (const key of ["*", `sensor:${ev.sensor}`, `kind:${ev.kind}`]) {
      const s = this.spike.series.get(key);
      const count = (s ? s.count : 0) + 1;
      spikes[key] = { count, ...this.spike.score(key, count), threshold: this.spike.o.z + this.spike.margin };
    }
    return { features: x, scores: { unusual: this.unusual.explain(x), traffic_spike: spikes, ...rules } };
  }

  /** Scores of a feature vector (missing features follow HST's missing-value rule). */
  predictFeatures(features: Record<string, number>): PredictResult {
    const x = { rare_commands: 0, new_hashes: 0, ...features } as UnusualInput;
    return { features: x, scores: { unusual: { ...this.unusual.explain(x), input: treeInput(x) } } };
  }

  /**
   * Tune the detector behind an anomaly. `unusual`: a false positive allowlists the IP and
   * raises the threshold margin by 0.01; a true positive lowers it by 0.005 (not below 0).
   * `traffic_spike`: the z threshold moves by +0.5 / -0.25 (margin not below 0). Rule
   * detectors' thresholds come from config; their feedback is recorded for precision only.
   */
  feedback(fb: Feedback): FeedbackChange {
    const up = fb.label === "false_positive";
    if (fb.detector === "unusual") {
      const before = this.unusual.threshold();
      this.unusual.margin = Math.max(0, this.unusual.margin + (up ? 0.01 : -0.005));
      const after = this.unusual.threshold();
      if (up) this.unusual.allow.add(fb.ip);
      return {
        detector: "unusual",
        changed: up
          ? `allowlisted ${fb.ip} for unusual; threshold margin +0.01 (now ${round(this.unusual.margin)})`
          : `threshold margin -0.005 (now ${round(this.unusual.margin)})`,
        threshold: { before: round(before), after: round(after) },
        ...(up ? { allowlisted: fb.ip } : {}),
      };
    }
    if (fb.detector === "traffic_spike") {
      const before = this.spike.o.z + this.spike.margin;
      this.spike.margin = Math.max(0, this.spike.margin + (up ? 0.5 : -0.25));
      const after = this.spike.o.z + this.spike.margin;
      return {
        detector: "traffic_spike",
        changed: `robust z threshold ${before} -> ${after}`,
        threshold: { before, after },
      };
    }
    return {
      detector: fb.detector,
      changed:
        `nothing: ${fb.detector} is a rule with configured thresholds; the label counts toward its precision`,
    };
  }
}

/** What `/api/predict` returns. */
export interface PredictResult {
  features: Record<string, number>;
  scores: Record<string, unknown>;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
