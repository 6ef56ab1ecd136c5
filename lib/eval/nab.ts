/**
 * NAB v1.1 scoring (Lavin & Ahmad 2015), written from the rules in `shared/docs/nab.md`:
 * probationary rows dropped, position-weighted sigmoid rewards inside windows and decaying
 * penalties after them, one corpus-wide threshold per profile from an exhaustive sweep
 * (ties go to the highest threshold), normalised against the null detector.
 */

/** Cost weights of a NAB application profile. */
export interface Profile {
  tp: number;
  fn: number;
  fp: number;
}

/** NAB's three profiles (`config/profiles.json`). */
export const PROFILES: Readonly<Record<string, Profile>> = Object.freeze({
  standard: { tp: 1, fn: 1, fp: 0.11 },
  reward_low_FP_rate: { tp: 1, fn: 1, fp: 0.22 },
  reward_low_FN_rate: { tp: 1, fn: 2, fp: 0.11 },
});

/** One scored series: per-row scores and window row ranges (inclusive, over all rows). */
export interface ScoredSeries {
  name: string;
  scores: readonly number[];
  windows: readonly [number, number][];
}

/** `2/(1 + e^{5p}) - 1`, and -1 past p = 3. */
export function sigmoid(p: number): number {
  return p > 3 ? -1 : 2 / (1 + Math.exp(5 * p)) - 1;
}

/** Rows ignored at the start of a series of `n` rows. */
export function probation(n: number): number {
  return Math.min(Math.floor(0.15 * n), 750);
}

interface Row {
  score: number;
  /** Window index (corpus-wide) or -1. */
  window: number;
  /** Its weighted value when detected (before the profile's weights: see `value`). */
  pos: number;
  kind: "in" | "after" | "before";
}

function rowsOf(s: ScoredSeries, offset: number): { rows: Row[]; windows: number } {
  const skip = probation(s.scores.length);
  const wins = s.windows
    .map(([a, b]) => [Math.max(a, skip) - skip, b - skip] as [number, number])
    .filter(([a, b]) => b >= a && b >= 0);
  const rows: Row[] = [];
  let w = 0;
  let prev: [number, number] | null = null;
  for (let i = 0; i < s.scores.length - skip; i++) {
    while (w < wins.length && wins[w][1] < i) prev = wins[w++];
    const score = s.scores[i + skip];
    if (w < wins.length && wins[w][0] <= i) {
      const [a, b] = wins[w];
      const width = b - a + 1;
      rows.push({ score, window: offset + w, pos: sigmoid(-(b - i + 1) / width) / sigmoid(-1), kind: "in" });
    } else if (prev) {
      const width = prev[1] - prev[0] + 1;
      // NAB divides by the previous window's width minus one.
      const p = Math.abs(prev[1] - i) / Math.max(1, width - 1);
      rows.push({ score, window: -1, pos: sigmoid(p), kind: "after" });
    } else {
      rows.push({ score, window: -1, pos: -1, kind: "before" });
    }
  }
  return { rows, windows: wins.length };
}

/** Corpus score under one profile: the best threshold, raw and normalised scores. */
export interface NabResult {
  threshold: number;
  raw: number;
  normalised: number;
  windows: number;
}

/** Score a corpus under `profile` with an exhaustive threshold sweep. */
export function nabScore(series: readonly ScoredSeries[], profile: Profile): NabResult {
  const rows: Row[] = [];
  let windows = 0;
  for (const s of series) {
    const r = rowsOf(s, windows);
    windows += r.windows;
    for (const row of r.rows) rows.push(row);
  }
  rows.sort((a, b) => b.score - a.score);
  const best = new Float64Array(windows).fill(NaN);
  // Nothing detected: every window a miss.
  let total = -profile.fn * windows;
  let bestTotal = total;
  let bestThreshold = Infinity;
  for (let i = 0; i < rows.length;) {
    const t = rows[i].score;
    for (; i < rows.length && rows[i].score === t; i++) {
      const r = rows[i];
      if (r.window < 0) {
        total += profile.fp * r.pos;
        continue;
      }
      const v = profile.tp * r.pos;
      const cur = best[r.window];
      if (Number.isNaN(cur)) {
        total += v + profile.fn;
        best[r.window] = v;
      } else if (v > cur) {
        total += v - cur;
        best[r.window] = v;
      }
    }
    if (total > bestTotal + 1e-12) {
      bestTotal = total;
      bestThreshold = t;
    }
  }
  const perfect = profile.tp * windows;
  const nul = -profile.fn * windows;
  return {
    threshold: bestThreshold,
    raw: bestTotal,
    normalised: (100 * (bestTotal - nul)) / (perfect - nul),
    windows,
  };
}

/** Parse NAB's `timestamp,value` CSV. */
export function parseNabCsv(text: string): { timestamps: string[]; values: number[] } {
  const timestamps: string[] = [];
  const values: number[] = [];
  for (const line of text.split("\n").slice(1)) {
    if (line.trim() === "") continue;
    const [ts, v] = line.split(",");
    timestamps.push(ts.trim());
    values.push(Number(v));
  }
  return { timestamps, values };
}

/** Window `[start, end]` timestamps (NAB's `YYYY-MM-DD HH:MM:SS.ffffff`) to row ranges. */
export function windowRows(
  timestamps: readonly string[],
  windows: readonly [string, string][],
): [number, number][] {
  const index = new Map(timestamps.map((t, i) => [t.slice(0, 19), i]));
  return windows.map(([a, b]) => {
    const i = index.get(a.slice(0, 19));
    const j = index.get(b.slice(0, 19));
    if (i === undefined || j === undefined) {
      throw new Error(`Cannot place window [${a}, ${b}]: a bound is not a row timestamp`);
    }
    return [i, j];
  });
}
