/**
 * Data quality per sensor and source over a sliding window (DESIGN section 3, issue 6): a
 * pipeline observer that measures completeness, consistency, accuracy, timeliness and
 * duplicates of every stored batch, in time buckets of the injected clock (ingest time).
 *
 * State is in memory and per server instance: a bounded number of series (sensor, source),
 * each a ring of buckets covering the window plus small bounded sets for duplicate checks.
 */
import type { Clock } from "../clock.ts";
import { formatDuration } from "../duration.ts";
import type { Registry } from "../metrics.ts";
import type { BatchObserver, ObservedBatch } from "../pipeline.ts";
import type { NormalisedEvent, Source } from "../schema.ts";
import { toIso } from "../timestamp.ts";
import { fieldPresence } from "./expected.ts";
import { recordVariants } from "./variants.ts";

export interface QualityOptions {
  clock: Clock;
  /** The sliding window the report covers (default 1h). */
  windowMs?: number;
  /** A sensor silent (in event time, or since its last batch) this long has a gap (default 5m). */
  silenceMs?: number;
  /** Events this far ahead of the server clock count as clock skew (default 5s). */
  skewMs?: number;
  /** Most (sensor, source) series kept; the least recently updated is dropped past it. */
  maxSeries?: number;
  /** Where the per-sensor measures are exported, when given. */
  metrics?: Registry;
}

/** Upper bounds (seconds) of the event-to-ingest lag histogram. */
export const LAG_BOUNDS_S = [1, 5, 30, 60, 300, 3600, 86_400, 604_800, 31_536_000] as const;
/** Recent fingerprints kept per series for duplicate detection. */
const SEEN_CAP = 8192;
const GAPS_KEPT = 20;

interface Bucket {
  t: number;
  batches: number;
  events: number;
  duplicateBatches: number;
  duplicateEvents: number;
  repeatedDownloads: number;
  rejected: Record<string, number>;
  kinds: Record<string, { events: number; present: Record<string, number> }>;
  variants: Record<string, number>;
  lag: number[];
  lagMaxMs: number;
  ahead: number;
  maxAheadMs: number;
  outOfOrder: number;
  gaps: number;
}

interface Gap {
  from: number;
  to: number;
}

/**
 * 53-bit string hash (cyrb53): fingerprints hold attacker text of up to a few KB, so only a
 * number is kept per event. A collision (about 1 in 2^53 per pair) would count one false duplicate.
 */
function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A set of string hashes that forgets its oldest entries past a cap. */
class RecentSet {
  readonly #set = new Set<number>();
  constructor(readonly cap: number) {}
  /** Add `k`; true when it was already there. */
  seen(k: string): boolean {
    const h = hash53(k);
    if (this.#set.has(h)) return true;
    this.#set.add(h);
    if (this.#set.size > this.cap) this.#set.delete(this.#set.values().next().value!);
    return false;
  }
}

class Series {
  buckets: Bucket[] = [];
  lastIngest = 0;
  maxTs: number | null = null;
  gaps: Gap[] = [];
  seen = new RecentSet(SEEN_CAP);
  downloads = new RecentSet(2048);
  constructor(readonly sensor: string, readonly source: Source) {}
}

/** One series' measures over the window, as `GET /api/quality` answers. */
export interface QualityReport {
  sensor: string;
  source: Source;
  window: { ms: number; label: string; from: string; to: string };
  batches: number;
  events: number;
  completeness: {
    /** Share of expected fields present over all events with a field list; null when none. */
    ratio: number | null;
    byKind: Record<string, { events: number; ratio: number; missing: Record<string, number> }>;
  };
  consistency: { variants: Record<string, number> };
  accuracy: {
    rejected: number;
    /** Rejected records / (accepted + rejected). */
    rejectedRatio: number;
    reasons: Record<string, number>;
    invalid: { ip: number; port: number; timestamp: number };
  };
  timeliness: {
    lag: {
      p50S: number | null;
      p90S: number | null;
      p99S: number | null;
      maxS: number;
      histogram: { le: string; count: number }[];
    };
    clockSkew: { aheadEvents: number; maxAheadS: number };
    outOfOrder: number;
    gaps: { from: string; to: string; seconds: number }[];
    gapCount: number;
    lastEventTs: string | null;
    lastBatch: string;
    /** Seconds since this series' last batch. */
    silentS: number;
    silent: boolean;
  };
  duplicates: { batches: number; events: number; repeatedDownloads: number };
}

/** The quality observer; register it with `pipeline.addObserver(tracker)`. */
export class QualityTracker implements BatchObserver {
  readonly name = "quality";
  readonly windowMs: number;
  readonly silenceMs: number;
  readonly skewMs: number;
  readonly bucketMs: number;
  readonly #clock: Clock;
  readonly #maxSeries: number;
  readonly #series = new Map<string, Series>();
  readonly #m?: ReturnType<typeof register>;

  constructor(o: QualityOptions) {
    this.#clock = o.clock;
    this.windowMs = o.windowMs ?? 3_600_000;
    this.silenceMs = o.silenceMs ?? 5 * 60_000;
    this.skewMs = o.skewMs ?? 5000;
    this.#maxSeries = o.maxSeries ?? 256;
    // About 60 buckets per window, never finer than 1s.
    this.bucketMs = Math.max(1000, Math.ceil(this.windowMs / 60));
    if (o.metrics) this.#m = register(o.metrics, this);
  }

  #get(sensor: string, source: Source): Series {
    const key = `${sensor}\u0000${source}`;
    let s = this.#series.get(key);
    if (s) {
      this.#series.delete(key); // Map order is recency order
    } else {
      s = new Series(sensor, source);
      if (this.#series.size >= this.#maxSeries) this.#series.delete(this.#series.keys().next().value!);
    }
    this.#series.set(key, s);
    return s;
  }

  #bucket(s: Series, now: number): Bucket {
    const t = Math.floor(now / this.bucketMs) * this.bucketMs;
    let b = s.buckets.at(-1);
    if (!b || b.t !== t) {
      b = {
        t,
        batches: 0,
        events: 0,
        duplicateBatches: 0,
        duplicateEvents: 0,
        repeatedDownloads: 0,
        rejected: {},
        kinds: {},
        variants: {},
        lag: LAG_BOUNDS_S.map(() => 0).concat(0),
        lagMaxMs: 0,
        ahead: 0,
        maxAheadMs: 0,
        outOfOrder: 0,
        gaps: 0,
      };
      s.buckets.push(b);
      const keep = Math.ceil(this.windowMs / this.bucketMs) + 1;
      while (s.buckets.length > keep || (s.buckets.length > 0 && s.buckets[0].t < t - this.windowMs)) {
        s.buckets.shift();
      }
    }
    return b;
  }

  /** A repeat of an already stored uplink batch (the pipeline calls this; nothing else is seen). */
  duplicate(batch: { sensor: string; source: Source }): void {
    const now = this.#clock.now();
    const s = this.#get(batch.sensor, batch.source);
    s.lastIngest = now;
    this.#bucket(s, now).duplicateBatches++;
    this.#m?.dupBatches.inc({ sensor: batch.sensor, source: batch.source });
  }

  observe(batch: ObservedBatch): [] {
    const now = this.#clock.now();
    const s = this.#get(batch.sensor, batch.source);
    const b = this.#bucket(s, now);
    const labels = { sensor: batch.sensor, source: batch.source };
    s.lastIngest = now;
    b.batches++;
    b.events += batch.events.length;
    this.#m?.events.inc(labels, batch.events.length);
    for (const [reason, n] of Object.entries(batch.rejected)) {
      b.rejected[reason] = (b.rejected[reason] ?? 0) + n;
      this.#m?.rejected.inc({ ...labels, reason }, n);
    }
    if (batch.records) {
      for (const r of batch.records) {
        for (const v of recordVariants(batch.source, r)) {
          b.variants[v] = (b.variants[v] ?? 0) + 1;
          this.#m?.variants.inc({ ...labels, variant: v });
        }
      }
    }
    for (const ev of batch.events) this.#event(s, b, ev, now, labels);
    return [];
  }

  #event(s: Series, b: Bucket, ev: NormalisedEvent, now: number, labels: Record<string, string>): void {
    const k = (b.kinds[ev.kind] ??= { events: 0, present: {} });
    k.events++;
    for (const [f, present] of fieldPresence(ev)) {
      k.present[f] = (k.present[f] ?? 0) + (present ? 1 : 0);
    }
    const lagMs = now - ev.ts;
    if (lagMs < -this.skewMs) {
      b.ahead++;
      b.maxAheadMs = Math.max(b.maxAheadMs, -lagMs);
      this.#m?.skew.inc(labels);
    }
    const lagS = Math.max(0, lagMs) / 1000;
    const i = LAG_BOUNDS_S.findIndex((x) => lagS <= x);
    b.lag[i < 0 ? LAG_BOUNDS_S.length : i]++;
    b.lagMaxMs = Math.max(b.lagMaxMs, lagMs);
    this.#m?.lag.observe(labels, lagS);
    if (s.maxTs !== null) {
      if (ev.ts < s.maxTs) b.outOfOrder++;
      else if (ev.ts - s.maxTs > this.silenceMs) {
        b.gaps++;
        s.gaps.push({ from: s.maxTs, to: ev.ts });
        if (s.gaps.length > GAPS_KEPT) s.gaps.shift();
        this.#m?.gaps.inc(labels);
      }
    }
    if (s.maxTs === null || ev.ts > s.maxTs) s.maxTs = ev.ts;
    const fp = [
      ev.ts,
      ev.eventid ?? ev.kind,
      ev.src_ip,
      ev.src_port,
      ev.session,
      ev.username,
      ev.password,
      ev.command,
      ev.url,
      ev.sha256,
      ev.dst_port,
    ].join("\u0000");
    if (s.seen.seen(fp)) {
      b.duplicateEvents++;
      this.#m?.dupEvents.inc(labels);
    }
    // Bots run `wget X; curl -O X`: one file, two download events (cowrie-events.md pitfall 4).
    if (ev.kind === "download" && s.downloads.seen(`${ev.session}\u0000${ev.url}\u0000${ev.sha256}`)) {
      b.repeatedDownloads++;
    }
  }

  /** Reports of every series (or those matching `sensor`/`source`) over the window. */
  report(filter: { sensor?: string; source?: string } = {}): QualityReport[] {
    const now = this.#clock.now();
    const out: QualityReport[] = [];
    for (const s of this.#series.values()) {
      if (filter.sensor && s.sensor !== filter.sensor) continue;
      if (filter.source && s.source !== filter.source) continue;
      out.push(this.#report(s, now));
    }
    return out.sort((a, b) => a.sensor.localeCompare(b.sensor) || a.source.localeCompare(b.source));
  }

  #report(s: Series, now: number): QualityReport {
    const from = now - this.windowMs;
    const bs = s.buckets.filter((b) => b.t + this.bucketMs > from);
    const sum = (f: (b: Bucket) => number) => bs.reduce((n, b) => n + f(b), 0);
    const merge = (f: (b: Bucket) => Record<string, number>) => {
      const o: Record<string, number> = {};
      for (const b of bs) for (const [k, v] of Object.entries(f(b))) o[k] = (o[k] ?? 0) + v;
      return o;
    };
    const byKind: QualityReport["completeness"]["byKind"] = {};
    let expected = 0;
    let present = 0;
    const kinds = new Map<string, { events: number; present: Record<string, number> }>();
    for (const b of bs) {
      for (const [kind, k] of Object.entries(b.kinds)) {
        const acc = kinds.get(kind) ?? { events: 0, present: {} };
        acc.events += k.events;
        for (const [f, n] of Object.entries(k.present)) acc.present[f] = (acc.present[f] ?? 0) + n;
        kinds.set(kind, acc);
      }
    }
    for (const [kind, k] of [...kinds].sort()) {
      const fields = Object.entries(k.present);
      if (fields.length === 0) continue;
      const missing: Record<string, number> = {};
      let p = 0;
      for (const [f, n] of fields) {
        p += n;
        if (n < k.events) missing[f] = k.events - n;
      }
      byKind[kind] = { events: k.events, ratio: round(p / (fields.length * k.events)), missing };
      expected += fields.length * k.events;
      present += p;
    }
    const reasons = merge((b) => b.rejected);
    const rejected = Object.values(reasons).reduce((a, b) => a + b, 0);
    const events = sum((b) => b.events);
    const lag = LAG_BOUNDS_S.map((_, i) => sum((b) => b.lag[i])).concat(
      sum((b) => b.lag[LAG_BOUNDS_S.length]),
    );
    const lagN = lag.reduce((a, b) => a + b, 0);
    const quantile = (q: number): number | null => {
      if (lagN === 0) return null;
      let acc = 0;
      for (let i = 0; i < lag.length; i++) {
        acc += lag[i];
        if (acc >= q * lagN) return i < LAG_BOUNDS_S.length ? LAG_BOUNDS_S[i] : null;
      }
      return null;
    };
    let cum = 0;
    const silentS = Math.max(0, Math.round((now - s.lastIngest) / 1000));
    return {
      sensor: s.sensor,
      source: s.source,
      window: { ms: this.windowMs, label: formatDuration(this.windowMs), from: toIso(from), to: toIso(now) },
      batches: sum((b) => b.batches),
      events,
      completeness: { ratio: expected === 0 ? null : round(present / expected), byKind },
      consistency: { variants: merge((b) => b.variants) },
      accuracy: {
        rejected,
        rejectedRatio: events + rejected === 0 ? 0 : round(rejected / (events + rejected)),
        reasons,
        invalid: {
          ip: reasons.invalid_ip ?? 0,
          port: reasons.invalid_port ?? 0,
          timestamp: reasons.invalid_timestamp ?? 0,
        },
      },
      timeliness: {
        lag: {
          p50S: quantile(0.5),
          p90S: quantile(0.9),
          p99S: quantile(0.99),
          maxS: Math.round(Math.max(0, ...bs.map((b) => b.lagMaxMs)) / 1000),
          histogram: lag.map((n, i) => {
            cum += n;
            return { le: i < LAG_BOUNDS_S.length ? String(LAG_BOUNDS_S[i]) : "+Inf", count: cum };
          }),
        },
        clockSkew: {
          aheadEvents: sum((b) => b.ahead),
          maxAheadS: Math.round(Math.max(0, ...bs.map((b) => b.maxAheadMs)) / 1000),
        },
        outOfOrder: sum((b) => b.outOfOrder),
        gaps: s.gaps.map((g) => ({
          from: toIso(g.from),
          to: toIso(g.to),
          seconds: Math.round((g.to - g.from) / 1000),
        })),
        gapCount: sum((b) => b.gaps),
        lastEventTs: s.maxTs === null ? null : toIso(s.maxTs),
        lastBatch: toIso(s.lastIngest),
        silentS,
        silent: silentS * 1000 > this.silenceMs,
      },
      duplicates: {
        batches: sum((b) => b.duplicateBatches),
        events: sum((b) => b.duplicateEvents),
        repeatedDownloads: sum((b) => b.repeatedDownloads),
      },
    };
  }
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** The tracker's metrics; per (sensor, source), never per address. */
function register(m: Registry, t: QualityTracker) {
  const sl = ["sensor", "source"];
  const out = {
    events: m.counter("honeywatch_ingest_events_total", "Events stored, by sensor and source", sl),
    rejected: m.counter(
      "honeywatch_ingest_rejected_total",
      "Records rejected at ingest, by sensor, source and reason",
      [...sl, "reason"],
    ),
    variants: m.counter(
      "honeywatch_quality_format_variants_total",
      "Records seen per format variant (timestamp form, duration encoding, repr'd version, ...)",
      [...sl, "variant"],
    ),
    dupBatches: m.counter("honeywatch_quality_duplicate_batches_total", "Uplink batches received again", sl),
    dupEvents: m.counter("honeywatch_quality_duplicate_events_total", "Events identical to a recent one", sl),
    skew: m.counter(
      "honeywatch_quality_clock_skew_events_total",
      "Events stamped ahead of the server clock by more than the skew tolerance",
      sl,
    ),
    gaps: m.counter(
      "honeywatch_quality_gaps_total",
      "Silences in event time longer than the silence threshold",
      sl,
    ),
    lag: m.histogram(
      "honeywatch_ingest_lag_seconds",
      "Event-to-ingest lag (server clock minus event time)",
      LAG_BOUNDS_S,
      sl,
    ),
  };
  const completeness = m.gauge(
    "honeywatch_quality_completeness_ratio",
    "Share of expected fields present over the quality window",
    sl,
  );
  const silence = m.gauge(
    "honeywatch_quality_silence_seconds",
    "Seconds since the last batch of a series",
    sl,
  );
  m.collect(() => {
    completeness.reset();
    silence.reset();
    for (const r of t.report()) {
      const l = { sensor: r.sensor, source: r.source };
      if (r.completeness.ratio !== null) completeness.set(l, r.completeness.ratio);
      silence.set(l, r.timeliness.silentS);
    }
  });
  return out;
}
