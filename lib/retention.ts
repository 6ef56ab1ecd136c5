/**
 * The retention sweep: deletes events, anomalies and actors past their retention, so the KV
 * store stays bounded under a constant attack. `expireIn` is set on every write too, but local
 * KV deletes expired keys only about every 60 s and on wall-clock time; the sweep decides on
 * the time in the value and the injected clock:
 *
 * - events: event time (`ts`, the key's own order) older than `retentionMs`;
 * - anomalies: last update (`lastTs`) older than `retentionMs`;
 * - actors: last save (`savedAt`) older than `actorTtlMs`;
 * - TTY logs: time stored (`storedAt`) older than `retentionMs`;
 * - aggregates keyed by time (`stat_min`, `stat_top`, `drift`) and relation stamps (`rel`,
 *   whose value is the last time seen): older than `retentionMs`.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked, type StoredValue } from "../actors/store.ts";
import type { Clock } from "./clock.ts";
import { deleteBlockKeys, type EventBlock } from "./event_log.ts";
import { FEED_TTL_MS } from "./live_feed.ts";
import { TOP_FIELDS } from "./stats.ts";
import { ttylogKeys, type TtylogMeta } from "./ttylog_store.ts";
import type { Anomaly } from "./schema.ts";

export interface SweepOptions {
  kv: Deno.Kv;
  clock: Clock;
  retentionMs: number;
  actorTtlMs: number;
  /** Most keys deleted in one sweep (the rest wait for the next), so a sweep never stalls ingest. */
  maxDeletes?: number;
}

export interface SweepResult {
  events: number;
  anomalies: number;
  actors: number;
  /** Actors left in KV after the sweep. */
  actorsStored: number;
  /** Aggregates, drift records, relation stamps and live-feed entries. */
  other: number;
  /** TTY logs. */
  ttylogs: number;
}

const OPS_PER_COMMIT = 300;

/** Deletes keys in atomic commits of bounded size. */
class Deleter {
  #op: Deno.AtomicOperation;
  #n = 0;
  deleted = 0;
  constructor(private readonly kv: Deno.Kv) {
    this.#op = kv.atomic();
  }
  async delete(...ks: Deno.KvKey[]): Promise<void> {
    for (const k of ks) this.#op.delete(k);
    this.#n += ks.length;
    this.deleted += ks.length;
    if (this.#n >= OPS_PER_COMMIT) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.#n === 0) return;
    const op = this.#op;
    this.#op = this.kv.atomic();
    this.#n = 0;
    await retryLocked(() => op.commit());
  }
}

/** Run one sweep. */
export async function sweep(o: SweepOptions): Promise<SweepResult> {
  const now = o.clock.now();
  const max = o.maxDeletes ?? 100_000;
  const cutoff = now - o.retentionMs;
  const d = new Deleter(o.kv);
  const out: SweepResult = { events: 0, anomalies: 0, actors: 0, actorsStored: 0, other: 0, ttylogs: 0 };

  // Event blocks are listed by their newest event: the wholly expired ones are one range.
  const blocks = o.kv.list<EventBlock>({
    start: keys.eventBlockPrefix(),
    end: [...keys.eventBlockPrefix(), cutoff],
  });
  for await (const e of blocks) {
    if (d.deleted >= max) break;
    const [, maxTs, id] = e.key as [string, number, string];
    await d.delete(...deleteBlockKeys([maxTs, id], e.value));
    out.events += e.value.events.length;
  }

  // Anomalies: indexed by raise time; one still being updated is kept until its last update expires.
  const ans = o.kv.list<Anomaly>({
    start: keys.anomalyByTsPrefix(),
    end: [...keys.anomalyByTsPrefix(), cutoff],
  });
  for await (const e of ans) {
    if (d.deleted >= max) break;
    const a = e.value;
    const last = Date.parse(a.lastTs);
    if (Number.isFinite(last) && last >= cutoff) continue;
    const ts = e.key[1] as number;
    await d.delete(e.key, keys.anomaly(a.id), keys.anomalyByIp(a.ip, ts, a.id));
    out.anomalies++;
  }

  // Actors: the stamp in the value decides (readActors treats these as absent already).
  for await (const e of o.kv.list<StoredValue>({ prefix: keys.actorPrefix() })) {
    if (d.deleted < max && now - e.value.savedAt > o.actorTtlMs) {
      await d.delete(e.key);
      out.actors++;
    } else {
      out.actorsStored++;
    }
  }

  // Time-keyed aggregates: the element after the prefix is a time in ms.
  const timed: Deno.KvKey[] = [keys.statMinutePrefix(), keys.driftPrefix()];
  for (const res of ["m", "h"] as const) for (const f of TOP_FIELDS) timed.push(keys.statTopPrefix(res, f));
  for (const prefix of timed) {
    for await (const e of o.kv.list({ start: prefix, end: [...prefix, cutoff] })) {
      if (d.deleted >= max) break;
      await d.delete(e.key);
      out.other++;
    }
  }
  // Relation stamps: the value is the last time the IP used the credential or client.
  for await (const e of o.kv.list<number>({ prefix: keys.relatedAllPrefix() })) {
    if (d.deleted >= max) break;
    if (typeof e.value === "number" && e.value < cutoff) {
      await d.delete(e.key);
      out.other++;
    }
  }
  for await (const e of o.kv.list<TtylogMeta>({ prefix: keys.ttylogMetaPrefix() })) {
    if (d.deleted >= max) break;
    if (e.value.storedAt < cutoff) {
      await d.delete(...ttylogKeys(e.value));
      out.ttylogs++;
    }
  }
  // Live-feed entries: KV's own expiry runs on wall-clock time and only every ~60 s.
  for await (const e of o.kv.list<{ at: number }>({ prefix: keys.feedPrefix() })) {
    if (d.deleted >= max) break;
    if (now - e.value.at > FEED_TTL_MS) {
      await d.delete(e.key);
      out.other++;
    }
  }
  await d.flush();
  return out;
}
