/**
 * Detection quality against labelled replays. A label `{ip, type, start, end}` is found when
 * an anomaly of that type for that IP (any IP when the label's ip is `"*"`) was raised in
 * `[start, end + 60 s]`; an anomaly that finds no label is a false positive.
 */

/** Ground truth for one attack (ISO 8601 times), as `replay --labels-out` writes it. */
export interface Label {
  ip: string;
  type: string;
  start: string;
  end: string;
}

/** The fields of an anomaly the metrics use. */
export interface Detection {
  type: string;
  ip: string;
  /** ISO 8601 raise time. */
  ts: string;
  score: number;
}

/** Per-type result. */
export interface TypeMetrics {
  labels: number;
  anomalies: number;
  found: number;
  truePositives: number;
  falsePositives: number;
  precision: number;
  recall: number;
  f1: number;
  /** Precision of the k highest-scored anomalies, k = number of labels of the type. */
  precisionAtK: number;
  /** Median event time from the label's start to its first matching anomaly (ms); null if none found. */
  medianDelayMs: number | null;
}

/** How long after a label's end an anomaly still finds it. */
export const GRACE_AFTER_END_MS = 60_000;

function matches(l: Label, a: Detection): boolean {
  if (a.type !== l.type) return false;
  if (l.ip !== "*" && a.ip !== l.ip) return false;
  const t = Date.parse(a.ts);
  return t >= Date.parse(l.start) && t <= Date.parse(l.end) + GRACE_AFTER_END_MS;
}

/** Metrics per anomaly type over every type that has labels or anomalies. */
export function evaluate(
  labels: readonly Label[],
  anomalies: readonly Detection[],
): Record<string, TypeMetrics> {
  const types = new Set([...labels.map((l) => l.type), ...anomalies.map((a) => a.type)]);
  const out: Record<string, TypeMetrics> = {};
  for (const type of [...types].sort()) {
    const ls = labels.filter((l) => l.type === type);
    const as = anomalies.filter((a) => a.type === type);
    const isTp = as.map((a) => ls.some((l) => matches(l, a)));
    const delays: number[] = [];
    let found = 0;
    for (const l of ls) {
      const hits = as.filter((a) => matches(l, a)).map((a) => Date.parse(a.ts));
      if (hits.length === 0) continue;
      found++;
      delays.push(Math.max(0, Math.min(...hits) - Date.parse(l.start)));
    }
    const tp = isTp.filter(Boolean).length;
    const precision = as.length > 0 ? tp / as.length : ls.length === 0 ? 1 : 0;
    const recall = ls.length > 0 ? found / ls.length : 1;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    const k = ls.length;
    const ranked = as.map((a, i) => ({ s: a.score, tp: isTp[i] })).sort((x, y) => y.s - x.s).slice(0, k);
    out[type] = {
      labels: ls.length,
      anomalies: as.length,
      found,
      truePositives: tp,
      falsePositives: as.length - tp,
      precision: r4(precision),
      recall: r4(recall),
      f1: r4(f1),
      precisionAtK: k > 0 ? r4(ranked.filter((x) => x.tp).length / k) : 0,
      medianDelayMs: delays.length > 0 ? median(delays) : null,
    };
  }
  return out;
}

/** Median of numbers (mean of the middle two when even). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Mann-Whitney ROC-AUC with mid-ranks for ties; `labels` are 0/1. */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const idx = scores.map((s, i) => ({ s, y: labels[i] })).sort((a, b) => a.s - b.s);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j < idx.length && idx[j].s === idx[i].s) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (idx[k].y === 1) (rankSum += rank, pos++);
    i = j;
  }
  const neg = idx.length - pos;
  return pos === 0 || neg === 0 ? NaN : (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function r4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
