/**
 * Sliding-window building blocks for actor state. All are plain JSON data plus pure
 * functions, so an actor serialises to KV as is. Windows are driven by event time.
 */

/** Time-bucketed counter: `[bucketStart, count]` pairs in ascending order, at most `max` buckets. */
export interface Buckets {
  size: number;
  max: number;
  b: [number, number][];
}

/** A bucketed counter of `size` ms buckets keeping at most `max` buckets. */
export function buckets(size: number, max: number): Buckets {
  return { size, max, b: [] };
}

/** Add `n` at event time `ts`. Out-of-order times land in their own bucket. */
export function bucketAdd(w: Buckets, ts: number, n = 1): void {
  const start = ts - (((ts % w.size) + w.size) % w.size);
  const b = w.b;
  const last = b.length - 1;
  if (last >= 0 && b[last][0] === start) {
    b[last][1] += n;
    return;
  }
  if (last < 0 || b[last][0] < start) {
    b.push([start, n]);
  } else {
    // Late event: find or insert its bucket, keeping order.
    let i = last;
    while (i >= 0 && b[i][0] > start) i--;
    if (i >= 0 && b[i][0] === start) b[i][1] += n;
    else b.splice(i + 1, 0, [start, n]);
  }
  while (b.length > w.max) b.shift();
}

/** Sum of the buckets that overlap `(until - span, until]`. */
export function bucketSum(w: Buckets, until: number, span: number): number {
  const from = until - span;
  let sum = 0;
  for (let i = w.b.length - 1; i >= 0; i--) {
    const [start, n] = w.b[i];
    if (start + w.size <= from) break;
    if (start <= until) sum += n;
  }
  return sum;
}

/**
 * Capped distinct values with the time each was last seen: for "distinct ports in a
 * window". Past `cap` values the least recently seen is dropped, so memory is bounded
 * even when an attacker sends a new value with every event.
 */
export interface Distinct {
  cap: number;
  /** value -> last seen (event time ms) */
  v: Record<string, number>;
  /** how many values were evicted by the cap */
  evicted: number;
}

export function distinct(cap: number): Distinct {
  return { cap, v: {}, evicted: 0 };
}

/** Attacker strings kept in actor state are clipped so one actor value stays well under KV's 64 KiB. */
export function clipText(s: string): string {
  return s.length > 200 ? s.slice(0, 200) + "…" : s;
}

/** Note `value` seen at `ts`. */
export function distinctAdd(d: Distinct, value: string, ts: number): void {
  const prev = d.v[value];
  if (prev !== undefined) {
    if (ts > prev) d.v[value] = ts;
    return;
  }
  d.v[value] = ts;
  const keys = Object.keys(d.v);
  if (keys.length > d.cap) {
    let oldest = keys[0];
    for (const k of keys) if (d.v[k] < d.v[oldest]) oldest = k;
    delete d.v[oldest];
    d.evicted++;
  }
}

/** Number of distinct values seen in `(until - span, until]`. */
export function distinctCount(d: Distinct, until: number, span: number): number {
  const from = until - span;
  let n = 0;
  for (const k in d.v) if (d.v[k] > from && d.v[k] <= until) n++;
  return n;
}

/** Values seen in the window, most recent first, at most `limit`. */
export function distinctValues(d: Distinct, until: number, span: number, limit = 20): string[] {
  const from = until - span;
  return Object.entries(d.v)
    .filter(([, t]) => t > from && t <= until)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([k]) => k);
}

/** Drop values last seen before `before`. */
export function distinctPrune(d: Distinct, before: number): void {
  for (const k in d.v) if (d.v[k] < before) delete d.v[k];
}

/** A bounded ring of the most recent items (newest last). */
export function ringPush<T>(ring: T[], item: T, cap: number): void {
  ring.push(item);
  if (ring.length > cap) ring.splice(0, ring.length - cap);
}

/** Times of recent occurrences with their event ids, newest last, bounded. */
export interface Hits {
  cap: number;
  t: number[];
  id: string[];
}

export function hits(cap: number): Hits {
  return { cap, t: [], id: [] };
}

/** Record an occurrence at `ts` (kept in time order, late ones inserted). */
export function hitsAdd(h: Hits, ts: number, id: string): void {
  let i = h.t.length;
  while (i > 0 && h.t[i - 1] > ts) i--;
  h.t.splice(i, 0, ts);
  h.id.splice(i, 0, id);
  if (h.t.length > h.cap) {
    h.t.shift();
    h.id.shift();
  }
}

/** Occurrences in `(until - span, until]`: their count and ids (oldest first). */
export function hitsIn(h: Hits, until: number, span: number): { count: number; ids: string[] } {
  const from = until - span;
  const ids: string[] = [];
  for (let i = 0; i < h.t.length; i++) {
    if (h.t[i] > from && h.t[i] <= until) ids.push(h.id[i]);
  }
  return { count: ids.length, ids };
}
