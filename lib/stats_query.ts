/**
 * Reads of the aggregates kept by `lib/stats.ts`: the events-per-bucket timeline, top-N
 * lists over a time range, the dashboard counters and related IPs.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import { listAnomalies } from "./anomaly_store.ts";
import type { Clock } from "./clock.ts";
import type { Anomaly } from "./schema.ts";
import {
  clipValue,
  credential,
  HOUR,
  mergeTop,
  MINUTE,
  type MinuteCounts,
  type RateMeter,
  type TopField,
  type TopMap,
} from "./stats.ts";

/** Most buckets one timeline answer holds. */
export const MAX_BUCKETS = 1440;
/** Ranges longer than this are answered from hourly top maps (rounded out to whole hours). */
export const MINUTE_TOP_MAX_RANGE = 2 * HOUR;

export interface TimelineBucket {
  /** Start of the bucket, ISO 8601 UTC. */
  ts: string;
  total: number;
  kinds: Record<string, number>;
}

export interface Timeline {
  since: string;
  until: string;
  bucketMs: number;
  /** Every kind seen in the range, most frequent first. */
  kinds: string[];
  buckets: TimelineBucket[];
}

const floorTo = (t: number, size: number) => t - (((t % size) + size) % size);

/** Events per bucket and kind in `[since, until)`; `bucketMs` is a whole number of minutes. */
export async function timeline(
  kv: Deno.Kv,
  since: number,
  until: number,
  bucketMs: number,
): Promise<Timeline> {
  const start = floorTo(since, bucketMs);
  const n = Math.max(1, Math.ceil((until - start) / bucketMs));
  const buckets: TimelineBucket[] = Array.from({ length: n }, (_, i) => ({
    ts: new Date(start + i * bucketMs).toISOString(),
    total: 0,
    kinds: {},
  }));
  const totals: Record<string, number> = {};
  const iter = kv.list<MinuteCounts>({
    start: keys.statMinute(floorTo(since, MINUTE)),
    end: keys.statMinute(until),
  }, { batchSize: 500 });
  for await (const e of iter) {
    const minute = e.key[1] as number;
    const i = Math.floor((minute - start) / bucketMs);
    const b = buckets[i];
    if (!b) continue;
    b.total += e.value.total;
    for (const [k, c] of Object.entries(e.value.kinds)) {
      b.kinds[k] = (b.kinds[k] ?? 0) + c;
      totals[k] = (totals[k] ?? 0) + c;
    }
  }
  return {
    since: new Date(start).toISOString(),
    until: new Date(start + n * bucketMs).toISOString(),
    bucketMs,
    kinds: Object.entries(totals).sort((a, b) => b[1] - a[1]).map(([k]) => k),
    buckets,
  };
}

export interface TopList {
  field: TopField;
  /** The range actually summed (hour-aligned when answered from hourly maps). */
  since: string;
  until: string;
  resolution: "minute" | "hour";
  items: { value: string; count: number }[];
}

/** The `limit` most frequent values of `field` in `[since, until)`. */
export async function topValues(
  kv: Deno.Kv,
  field: TopField,
  since: number,
  until: number,
  limit: number,
): Promise<TopList> {
  const hourly = until - since > MINUTE_TOP_MAX_RANGE;
  const size = hourly ? HOUR : MINUTE;
  const from = floorTo(since, size);
  const to = hourly ? floorTo(until + HOUR - 1, HOUR) : until;
  const res = hourly ? "h" : "m";
  let sum: TopMap = {};
  for await (
    const e of kv.list<TopMap>(
      { start: keys.statTop(res, field, from), end: keys.statTop(res, field, to) },
      { batchSize: 200 },
    )
  ) {
    sum = mergeTop(sum, e.value, Infinity);
  }
  const items = Object.entries(sum)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }));
  return {
    field,
    since: new Date(from).toISOString(),
    until: new Date(to).toISOString(),
    resolution: hourly ? "hour" : "minute",
    items,
  };
}

export interface Summary {
  /** Stored events per second over the last 10 s of wall time (this instance). */
  eventsPerSecond: number;
  /** Distinct source IPs with events in the last `activeWindowMs`. */
  activeAttackers: number;
  activeWindowMs: number;
  /** Anomalies whose detector window has not yet passed since their last update, and not marked false. */
  openAnomalies: number;
  /** Events stored in the last hour. */
  eventsLastHour: number;
}

/** The dashboard counters. */
export async function summary(kv: Deno.Kv, clock: Clock, meter: RateMeter): Promise<Summary> {
  const now = clock.now();
  const activeWindowMs = 5 * MINUTE;
  const ips = new Set<string>();
  for await (
    const e of kv.list<TopMap>({
      start: keys.statTop("m", "ip", floorTo(now - activeWindowMs, MINUTE)),
      end: keys.statTop("m", "ip", now + 1),
    })
  ) for (const ip of Object.keys(e.value)) ips.add(ip);
  let eventsLastHour = 0;
  for await (
    const e of kv.list<MinuteCounts>({
      start: keys.statMinute(floorTo(now - HOUR, MINUTE)),
      end: keys.statMinute(now + 1),
    })
  ) eventsLastHour += e.value.total;
  const recent = await listAnomalies(kv, { since: now - 24 * HOUR, limit: 1000 });
  const openAnomalies = recent.items.filter((a) => isOpen(a, now)).length;
  return {
    eventsPerSecond: Math.round(meter.perSecond() * 10) / 10,
    activeAttackers: ips.size,
    activeWindowMs,
    openAnomalies,
    eventsLastHour,
  };
}

/** Still open: within its detector window of the last update, and not marked a false positive. */
export function isOpen(a: Anomaly & { feedback?: string }, now: number): boolean {
  return a.status === "open" && a.feedback !== "false_positive" &&
    Date.parse(a.lastTs) + a.window.ms >= now;
}

export interface RelatedIp {
  ip: string;
  /** What links it: "credential" or "client". */
  via: "credential" | "client";
  /** The shared value (for credentials, "user / password"). */
  value: string;
  lastTs: string;
}

/** IPs that used the same credential pairs or client fingerprints as the given ones. */
export async function relatedIps(
  kv: Deno.Kv,
  ip: string,
  creds: readonly [string, string][],
  clients: readonly string[],
  limit = 30,
): Promise<RelatedIp[]> {
  const out = new Map<string, RelatedIp>();
  const look = async (rel: "cred" | "client", value: string, shown: string) => {
    const iter = kv.list<number>({ prefix: keys.relatedPrefix(rel, value) }, { limit: 50 });
    for await (const e of iter) {
      const other = e.key[3] as string;
      if (other === ip || out.has(other)) continue;
      out.set(other, {
        ip: other,
        via: rel === "cred" ? "credential" : "client",
        value: shown,
        lastTs: new Date(e.value).toISOString(),
      });
    }
  };
  for (const [u, p] of creds.slice(0, 20)) {
    await retryLocked(() => look("cred", credential(u, p), `${u} / ${p}`));
    if (out.size >= limit) break;
  }
  for (const c of clients.slice(0, 5)) await retryLocked(() => look("client", clipValue(c), c));
  return [...out.values()].slice(0, limit);
}
