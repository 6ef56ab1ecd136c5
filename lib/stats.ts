/**
 * Per-minute aggregates of stored events, kept in Deno KV by a pipeline observer so the
 * dashboard's charts and top lists never scan the event log:
 *
 * - `["stat_min", minute]`: `{ total, kinds }` events per kind in that UTC minute;
 * - `["stat_top", "m" | "h", field, bucket]`: the most frequent values of `field` (source
 *   IP, username, password, command, download URL) in that minute or hour;
 * - `["rel", "cred" | "client", value, ip]`: which IPs used a credential pair or client
 *   fingerprint (related IPs on the attacker page).
 *
 * Top maps keep at most `TOP_CAP` values per bucket: past it the least frequent is dropped
 * (heavy hitters stay exact, the long tail is approximate).
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import type { Clock } from "./clock.ts";
import type { BatchObserver, ObservedBatch } from "./pipeline.ts";
import type { Anomaly, NormalisedEvent } from "./schema.ts";

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
/** Fields the top lists are kept for (`GET /api/stats/top?field=`). */
export const TOP_FIELDS = ["ip", "username", "password", "command", "url"] as const;
export type TopField = typeof TOP_FIELDS[number];
/** Values kept per top map and bucket. */
export const TOP_CAP = 200;
/** Longest value kept in a top map or relation key; longer ones end in "…". */
export const VALUE_MAX = 120;

/** `["stat_min", minute]`. */
export interface MinuteCounts {
  total: number;
  kinds: Record<string, number>;
}

/** value -> count */
export type TopMap = Record<string, number>;

/** Cut attacker strings so a KV value or key stays bounded. */
export function clipValue(s: string): string {
  return s.length > VALUE_MAX ? s.slice(0, VALUE_MAX) + "…" : s;
}

function fieldValue(ev: NormalisedEvent, f: TopField): string | undefined {
  if (f === "ip") return ev.src_ip;
  if (f === "url") return ev.kind === "download" || ev.kind === "download_failed" ? ev.url : undefined;
  return ev[f];
}

/**
 * Add `add` into `into`, then drop the least frequent values past `cap`. With `slack`, the
 * map may hold up to `cap + slack` values before it is cut back to `cap`: in-memory partials
 * sort every other batch instead of every batch; what is stored is cut to `cap`.
 */
export function mergeTop(into: TopMap, add: TopMap, cap = TOP_CAP, slack = 0): TopMap {
  let n = 0;
  for (const k in add) into[k] = (into[k] ?? 0) + add[k];
  for (const _ in into) if (++n > cap + slack) break;
  if (n <= cap + slack) return into;
  const entries = Object.entries(into);
  entries.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(entries.slice(0, cap));
}

interface MinutePart {
  counts: MinuteCounts;
  tops: Partial<Record<TopField, TopMap>>;
}

/** Group a batch's events by minute into counts and top maps. */
export function aggregate(events: readonly NormalisedEvent[]): Map<number, MinutePart> {
  const out = new Map<number, MinutePart>();
  for (const ev of events) {
    const minute = ev.ts - (((ev.ts % MINUTE) + MINUTE) % MINUTE);
    let p = out.get(minute);
    if (!p) out.set(minute, p = { counts: { total: 0, kinds: {} }, tops: {} });
    p.counts.total++;
    p.counts.kinds[ev.kind] = (p.counts.kinds[ev.kind] ?? 0) + 1;
    for (const f of TOP_FIELDS) {
      const v = fieldValue(ev, f);
      if (v === undefined || v === "") continue;
      const m = p.tops[f] ??= {};
      const c = clipValue(v);
      m[c] = (m[c] ?? 0) + 1;
    }
  }
  return out;
}

/** One value to merge into KV: how to combine the stored value with the batch's part. */
interface Merge {
  key: Deno.KvKey;
  merge(stored: unknown): unknown;
}

/** KV allows 10 keys per getMany and 100 checks per commit. */
const GET_MANY = 10;
const MAX_KEYS_PER_COMMIT = 90;

/** Read-modify-write `merges` with a versionstamp check each, retrying on conflict. */
async function commitMerges(kv: Deno.Kv, merges: Merge[], expireIn: number): Promise<void> {
  for (let i = 0; i < merges.length; i += MAX_KEYS_PER_COMMIT) {
    const part = merges.slice(i, i + MAX_KEYS_PER_COMMIT);
    for (let attempt = 0;; attempt++) {
      const entries: Deno.KvEntryMaybe<unknown>[] = [];
      for (let j = 0; j < part.length; j += GET_MANY) {
        const ks = part.slice(j, j + GET_MANY).map((m) => m.key);
        entries.push(...await retryLocked(() => kv.getMany<unknown[]>(ks)));
      }
      const op = kv.atomic();
      part.forEach((m, j) => {
        op.check(entries[j]);
        op.set(m.key, m.merge(entries[j].value), { expireIn });
      });
      const res = await retryLocked(() => op.commit());
      if (res.ok) break;
      // Another instance wrote one of these buckets: read again and re-merge.
      if (attempt > 50) throw new Error(`Cannot store aggregates: ${part.length} keys kept conflicting`);
    }
  }
}

/** Per-second wall-clock counts of stored events, for the live events/s counter. */
export class RateMeter {
  readonly #sec = new Map<number, number>();
  constructor(private readonly clock: Clock) {}

  add(n: number): void {
    const s = Math.floor(this.clock.now() / 1000);
    this.#sec.set(s, (this.#sec.get(s) ?? 0) + n);
    for (const k of this.#sec.keys()) if (k < s - 120) this.#sec.delete(k);
  }

  /** Mean events per second over the last `seconds` whole seconds. */
  perSecond(seconds = 10): number {
    const now = Math.floor(this.clock.now() / 1000);
    let sum = 0;
    for (let s = now - seconds; s < now; s++) sum += this.#sec.get(s) ?? 0;
    return sum / seconds;
  }
}

export interface StatsObserverOptions {
  kv: Deno.Kv;
  clock: Clock;
  retentionMs: number;
  meter: RateMeter;
}

/** Relation keys written lately; a repeat within this long is not written again. */
const REL_REFRESH_MS = 10 * MINUTE;
const REL_MEMORY = 20_000;
/**
 * Sources recorded per credential or client value. The attacker page lists at most 50 per
 * value, so a value shared by thousands (a common SSH client, `root`/`123456`) gets no more
 * keys once it has this many: on the Cowrie stream that was ~0.4 KV writes per event.
 */
export const REL_FANOUT = 64;
/** Values whose recorded sources are remembered (at most REL_VALUES × REL_FANOUT addresses). */
const REL_VALUES = 20_000;

/**
 * The pipeline observer that keeps the aggregates and relation index. `observe` only adds
 * a batch to in-memory partials (no KV on the ingest path); `flush` (the runtime's flush
 * tick) merges them into KV with a versionstamp check per bucket, so several instances add
 * up. A crash loses at most one flush interval of aggregates, never events. It raises no
 * anomalies.
 */
export class StatsAggregator implements BatchObserver {
  readonly name = "stats";
  #minutes = new Map<number, MinutePart>();
  #hours = new Map<number, Partial<Record<TopField, TopMap>>>();
  #rels = new Map<string, { key: Deno.KvKey; ts: number }>();
  readonly #relWritten = new Map<string, number>();
  /** Per relation value, the sources recorded for it (up to REL_FANOUT). */
  readonly #relIps = new Map<string, Set<string>>();
  #flushing: Promise<void> = Promise.resolve();

  constructor(private readonly o: StatsObserverOptions) {}

  observe(batch: ObservedBatch): Anomaly[] {
    if (batch.events.length === 0) return [];
    this.o.meter.add(batch.events.length);
    for (const [minute, p] of aggregate(batch.events)) this.#add(minute, p);
    this.#noteRelations(batch.events);
    return [];
  }

  #add(minute: number, p: MinutePart): void {
    const m = this.#minutes.get(minute);
    if (!m) this.#minutes.set(minute, p);
    else {
      m.counts.total += p.counts.total;
      for (const [k, n] of Object.entries(p.counts.kinds)) m.counts.kinds[k] = (m.counts.kinds[k] ?? 0) + n;
      for (const f of TOP_FIELDS) {
        if (p.tops[f]) m.tops[f] = mergeTop(m.tops[f] ?? {}, p.tops[f]!, TOP_CAP, TOP_CAP);
      }
    }
    const hour = minute - (minute % HOUR);
    const h = this.#hours.get(hour) ?? {};
    this.#hours.set(hour, h);
    for (const f of TOP_FIELDS) {
      if (p.tops[f]) h[f] = mergeTop(h[f] ?? {}, { ...p.tops[f] }, TOP_CAP, TOP_CAP);
    }
  }

  #noteRelations(events: readonly NormalisedEvent[]): void {
    const now = this.o.clock.now();
    const note = (rel: "cred" | "client", value: string, ev: NormalisedEvent) => {
      const of = `${rel}\u0000${value}`;
      let ips = this.#relIps.get(of);
      if (ips === undefined) {
        this.#relIps.set(of, ips = new Set());
        if (this.#relIps.size > REL_VALUES) this.#relIps.delete(this.#relIps.keys().next().value!);
      }
      if (!ips.has(ev.src_ip)) {
        if (ips.size >= REL_FANOUT) return;
        ips.add(ev.src_ip);
      }
      const id = `${of}\u0000${ev.src_ip}`;
      const seen = this.#relWritten.get(id);
      if (seen !== undefined && now - seen < REL_REFRESH_MS) return;
      const t = this.#rels.get(id);
      if (!t || t.ts < ev.ts) this.#rels.set(id, { key: keys.related(rel, value, ev.src_ip), ts: ev.ts });
    };
    for (const ev of events) {
      if (ev.username !== undefined && ev.password !== undefined) {
        note("cred", credential(ev.username, ev.password), ev);
      }
      if (ev.hassh) note("client", clipValue(ev.hassh), ev);
      else if (ev.client) note("client", clipValue(ev.client), ev);
    }
  }

  /** Merge what was observed since the last flush into KV. */
  flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#flush());
    this.#flushing = run.catch(() => {});
    return run;
  }

  async #flush(): Promise<void> {
    const minutes = this.#minutes;
    const hours = this.#hours;
    const rels = this.#rels;
    if (minutes.size === 0 && rels.size === 0) return;
    this.#minutes = new Map();
    this.#hours = new Map();
    this.#rels = new Map();
    const merges: Merge[] = [];
    for (const [minute, p] of minutes) {
      merges.push({
        key: keys.statMinute(minute),
        merge: (stored) => {
          const s = structuredClone((stored as MinuteCounts | null) ?? { total: 0, kinds: {} });
          s.total += p.counts.total;
          for (const [k, n] of Object.entries(p.counts.kinds)) s.kinds[k] = (s.kinds[k] ?? 0) + n;
          return s;
        },
      });
      for (const f of TOP_FIELDS) {
        const t = p.tops[f];
        if (t) {
          merges.push({
            key: keys.statTop("m", f, minute),
            merge: (s) => mergeTop({ ...(s as TopMap) }, t),
          });
        }
      }
    }
    for (const [hour, h] of hours) {
      for (const [f, t] of Object.entries(h)) {
        merges.push({ key: keys.statTop("h", f, hour), merge: (s) => mergeTop({ ...(s as TopMap) }, t) });
      }
    }
    try {
      await commitMerges(this.o.kv, merges, this.o.retentionMs);
    } catch (e) {
      // Keep the partials for the next flush rather than lose them.
      for (const [minute, p] of minutes) this.#add(minute, p);
      for (const [id, r] of rels) if (!this.#rels.has(id)) this.#rels.set(id, r);
      throw e;
    }
    const list = [...rels.entries()];
    for (let i = 0; i < list.length; i += 500) {
      const op = this.o.kv.atomic();
      for (const [, { key, ts }] of list.slice(i, i + 500)) op.set(key, ts, { expireIn: this.o.retentionMs });
      await retryLocked(() => op.commit());
    }
    const now = this.o.clock.now();
    for (const [id] of list) {
      this.#relWritten.delete(id);
      this.#relWritten.set(id, now);
    }
    while (this.#relWritten.size > REL_MEMORY) this.#relWritten.delete(this.#relWritten.keys().next().value!);
  }
}

/** The relation value of a username/password pair. */
export function credential(username: string, password: string): string {
  return clipValue(`${username}\u0000${password}`);
}
