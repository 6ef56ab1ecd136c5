/**
 * Exploratory analysis of normalised events: top values, events over time, the engineered
 * per-IP features (from the real actor `step` and detectors) with their distributions and
 * outliers (IQR fences and z-scores), feature correlations, a 2-D PCA projection of actors
 * (the streaming `Ccipca` model, a few passes over standardised vectors) coloured by the
 * anomalies the detectors raised, and a data-quality summary. Pure: the CLI report and the
 * `/explore` page both render its result.
 */
import { actorFeatures, type ActorState, newActor, step } from "../../actors/actor.ts";
import { buildDetectors } from "../detectors/mod.ts";
import { Ccipca } from "../models/ccipca.ts";
import type { NormalisedEvent } from "../schema.ts";
import { toIso } from "../timestamp.ts";

/** A value and how often it occurred. */
export interface Count {
  value: string;
  count: number;
}

/** Distribution and outliers of one feature over actors. */
export interface FeatureStats {
  name: string;
  n: number;
  mean: number;
  std: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  /** Tukey fences: q1 - 1.5 IQR and q3 + 1.5 IQR. */
  lowFence: number;
  highFence: number;
  iqrOutliers: number;
  /** |z| > 3. */
  zOutliers: number;
  /** The most extreme actors by z-score (IP, value, z). */
  top: { ip: string; value: number; z: number }[];
  histogram: { from: number; to: number; count: number }[];
}

/** What the report shows; plain JSON. */
export interface EdaData {
  title: string;
  generatedFrom: string[];
  summary: {
    events: number;
    ips: number;
    sensors: string[];
    sources: string[];
    first: string | null;
    last: string | null;
    anomalies: number;
  };
  counts: Record<"src_ip" | "dst_port" | "kind" | "username" | "password" | "command", Count[]>;
  perMinute: { t: string; n: number }[];
  perHour: { t: string; n: number }[];
  hourOfDay: number[];
  features: FeatureStats[];
  /** Pearson correlation between features (null where a feature is constant). */
  correlation: { names: string[]; matrix: (number | null)[][] };
  pca: {
    explained: number[];
    points: { ip: string; x: number; y: number; label: string }[];
    labels: string[];
  };
  anomaliesByType: Count[];
  quality: DataQuality;
}

/** Input health, from the parser's verdicts and the accepted events. */
export interface DataQuality {
  records: number;
  accepted: number;
  skipped: number;
  rejected: Record<string, number>;
  /** Accepted events of an `eventid` the parser does not know (kind `other`). */
  unknownEventIds: Count[];
  /** Events whose time is earlier than the one before in the same input. */
  outOfOrder: number;
  /** Share of events with each optional field present. */
  fieldCoverage: Record<string, number>;
  /** Events per input file or range. */
  perInput: Count[];
}

const TOP = 20;
/** Bounds on what a report carries, whatever the input size. */
const MAX_SERIES = 5000;
const MAX_PCA_POINTS = 3000;

/** Parser verdicts collected while reading (the CLI and the page fill this in). */
export interface QualityInput {
  records: number;
  skipped: number;
  rejected: Record<string, number>;
  outOfOrder: number;
  perInput: Count[];
}

function top(m: Map<string, number>, n = TOP): Count[] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([value, count]) => ({ value, count }));
}

function inc(m: Map<string, number>, k: string | number | undefined): void {
  if (k === undefined) return;
  const key = typeof k === "string" && k.length > 160 ? k.slice(0, 160) + "…" : String(k);
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Linear-interpolation quantile of sorted values (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Pearson correlation; null when either side has no variance. */
export function pearson(a: readonly number[], b: readonly number[]): number | null {
  const n = a.length;
  if (n < 2) return null;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return null;
  return Math.round((sab / Math.sqrt(saa * sbb)) * 1000) / 1000;
}

/** Distribution, fences and outliers of one feature column. */
export function featureStats(name: string, ips: readonly string[], values: readonly number[]): FeatureStats {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / Math.max(n, 1);
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(n, 1));
  const q1 = quantile(sorted, 0.25), q3 = quantile(sorted, 0.75);
  const iqr = q3 - q1;
  const lowFence = q1 - 1.5 * iqr, highFence = q3 + 1.5 * iqr;
  const z = values.map((v) => (std > 0 ? (v - mean) / std : 0));
  const min = sorted[0] ?? 0, max = sorted[n - 1] ?? 0;
  const bins = 20;
  const width = max > min ? (max - min) / bins : 1;
  const histogram = Array.from({ length: max > min ? bins : 1 }, (_, i) => ({
    from: min + i * width,
    to: min + (i + 1) * width,
    count: 0,
  }));
  for (const v of values) {
    const i = Math.min(histogram.length - 1, Math.floor((v - min) / width));
    histogram[i].count++;
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    name,
    n,
    mean: round(mean),
    std: round(std),
    min,
    q1: round(q1),
    median: round(quantile(sorted, 0.5)),
    q3: round(q3),
    max,
    lowFence: round(lowFence),
    highFence: round(highFence),
    iqrOutliers: values.filter((v) => v < lowFence || v > highFence).length,
    zOutliers: z.filter((x) => Math.abs(x) > 3).length,
    top: values
      .map((v, i) => ({ ip: ips[i], value: v, z: round(z[i]) }))
      .filter((r) => Math.abs(r.z) > 3 || r.value > highFence)
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
      .slice(0, 5),
    histogram: histogram.map((h) => ({ from: round(h.from), to: round(h.to), count: h.count })),
  };
}

/** Analyse events (any order; sorted by time here). */
export function analyze(
  events: readonly NormalisedEvent[],
  opts: { title: string; inputs: string[]; quality: QualityInput; detectors?: Record<string, unknown> },
): EdaData {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
  const counts = {
    src_ip: new Map<string, number>(),
    dst_port: new Map<string, number>(),
    kind: new Map<string, number>(),
    username: new Map<string, number>(),
    password: new Map<string, number>(),
    command: new Map<string, number>(),
  };
  const minutes = new Map<number, number>();
  const hours = new Map<number, number>();
  const hourOfDay = Array(24).fill(0);
  const sensors = new Set<string>(), sources = new Set<string>();
  const unknown = new Map<string, number>();
  const fields = [
    "session",
    "src_port",
    "dst_port",
    "username",
    "password",
    "command",
    "client",
    "hassh",
  ] as const;
  const coverage = Object.fromEntries(fields.map((f) => [f, 0])) as Record<string, number>;
  const detectors = buildDetectors(opts.detectors ?? {});
  const actors = new Map<string, ActorState>();
  const anomalyTypes = new Map<string, Set<string>>();
  const anomalyCount = new Map<string, number>();
  const anomalyIds = new Set<string>();

  for (const ev of sorted) {
    inc(counts.src_ip, ev.src_ip);
    inc(counts.dst_port, ev.dst_port);
    inc(counts.kind, ev.kind);
    inc(counts.username, ev.username);
    inc(counts.password, ev.password);
    inc(counts.command, ev.command);
    const m = Math.floor(ev.ts / 60_000);
    minutes.set(m, (minutes.get(m) ?? 0) + 1);
    const h = Math.floor(ev.ts / 3_600_000);
    hours.set(h, (hours.get(h) ?? 0) + 1);
    hourOfDay[new Date(ev.ts).getUTCHours()]++;
    sensors.add(ev.sensor);
    sources.add(ev.source);
    if (ev.kind === "other") inc(unknown, ev.eventid ?? "(none)");
    for (const f of fields) if (ev[f] !== undefined) coverage[f]++;

    let a = actors.get(ev.src_ip);
    if (!a) actors.set(ev.src_ip, a = newActor(ev.src_ip));
    for (const an of step(a, ev, detectors).anomalies) {
      let set = anomalyTypes.get(ev.src_ip);
      if (!set) anomalyTypes.set(ev.src_ip, set = new Set());
      set.add(an.type);
      if (!anomalyIds.has(an.id)) {
        anomalyIds.add(an.id);
        anomalyCount.set(an.type, (anomalyCount.get(an.type) ?? 0) + 1);
      }
    }
  }
  for (const f of fields) {
    coverage[f] = sorted.length ? Math.round((coverage[f] / sorted.length) * 1000) / 1000 : 0;
  }

  // Engineered features of every actor, at its own last event (the model's view of it).
  const ips = [...actors.keys()];
  const rows = ips.map((ip) => actorFeatures(actors.get(ip)!, actors.get(ip)!.lastSeen));
  const names = rows.length ? Object.keys(rows[0]) : [];
  const columns = names.map((f) => rows.map((r) => r[f] ?? 0));
  const features = names.map((f, i) => featureStats(f, ips, columns[i]));
  const matrix = names.map((_, i) => names.map((_, j) => (i === j ? 1 : pearson(columns[i], columns[j]))));

  return {
    title: opts.title,
    generatedFrom: opts.inputs,
    summary: {
      events: sorted.length,
      ips: actors.size,
      sensors: [...sensors].sort(),
      sources: [...sources].sort(),
      first: sorted.length ? toIso(sorted[0].ts) : null,
      last: sorted.length ? toIso(sorted[sorted.length - 1].ts) : null,
      anomalies: anomalyIds.size,
    },
    counts: {
      src_ip: top(counts.src_ip),
      dst_port: top(counts.dst_port),
      kind: top(counts.kind, 30),
      username: top(counts.username),
      password: top(counts.password),
      command: top(counts.command),
    },
    perMinute: series(minutes, 60_000),
    perHour: series(hours, 3_600_000),
    hourOfDay,
    features,
    correlation: { names, matrix },
    pca: project(ips, columns, anomalyTypes),
    anomaliesByType: top(anomalyCount, 50),
    quality: {
      records: opts.quality.records,
      accepted: sorted.length,
      skipped: opts.quality.skipped,
      rejected: opts.quality.rejected,
      unknownEventIds: top(unknown),
      outOfOrder: opts.quality.outOfOrder,
      fieldCoverage: coverage,
      perInput: opts.quality.perInput,
    },
  };
}

/** Non-empty buckets in time order; the newest `MAX_SERIES` when there are more. */
function series(m: Map<number, number>, stepMs: number): { t: string; n: number }[] {
  return [...m.entries()]
    .sort((a, b) => a[0] - b[0])
    .slice(-MAX_SERIES)
    .map(([k, n]) => ({ t: toIso(k * stepMs), n }));
}

/**
 * 2-D PCA of standardised feature vectors with the streaming CCIPCA model: five passes in
 * a fixed order (deterministic), then every actor projected on the two components.
 */
function project(
  ips: string[],
  columns: number[][],
  anomalyTypes: Map<string, Set<string>>,
): EdaData["pca"] {
  const labelOf = (ip: string) => {
    const t = anomalyTypes.get(ip);
    return t && t.size ? [...t].sort().join("+") : "no anomaly";
  };
  if (ips.length < 3 || columns.length < 2) {
    return { explained: [], points: [], labels: [] };
  }
  const means = columns.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
  const stds = columns.map((c, i) =>
    Math.sqrt(c.reduce((s, v) => s + (v - means[i]) ** 2, 0) / c.length) || 1
  );
  const vec = (r: number) => columns.map((c, i) => (c[r] - means[i]) / stds[i]);
  const pca = new Ccipca({ nComponents: 2, amnesic: 0 });
  for (let pass = 0; pass < 5; pass++) for (let r = 0; r < ips.length; r++) pca.learnOne(vec(r));
  const total = columns.length; // standardised: each feature has variance 1 (0 when constant)
  const ev = pca.eigenvalues();
  // Anomalous actors first, so none of them is cut by the point cap.
  const order = ips.map((_, r) => r).sort((a, b) =>
    Number(anomalyTypes.has(ips[b])) - Number(anomalyTypes.has(ips[a]))
  );
  const points = order.slice(0, MAX_PCA_POINTS).map((r) => {
    const [x, y] = pca.transform(vec(r));
    return {
      ip: ips[r],
      x: Math.round(x * 1000) / 1000,
      y: Math.round(y * 1000) / 1000,
      label: labelOf(ips[r]),
    };
  });
  return {
    explained: ev.map((e) => Math.round((e / total) * 1000) / 1000),
    points,
    labels: [...new Set(points.map((p) => p.label))].sort((a, b) =>
      a === "no anomaly" ? -1 : b === "no anomaly" ? 1 : a < b ? -1 : 1
    ),
  };
}
