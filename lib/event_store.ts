/**
 * Durable storage of ingested events in Deno KV: the event log (global and per IP), the
 * per-sensor dedup high-water mark and counters, and the pending-batch markers that let a
 * restarted server re-apply events whose actor state was not yet flushed.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import { listLocked } from "./list_locked.ts";
import type { NormalisedEvent } from "./schema.ts";

/** Bounds of one atomic commit (KV allows 1000 mutations and 800 KiB). */
const MAX_MUTATIONS = 900;
const MAX_BYTES = 600_000;

export interface BatchToStore {
  sensor: string;
  /** The uplink's batch number; absent for HTTP ingest (no dedup). */
  seq?: number;
  events: readonly NormalisedEvent[];
  rejected: number;
  /** This server instance and its local batch number, for the pending marker. */
  instance: string;
  batch: number;
  /** How long events are kept. */
  retentionMs: number;
}

/** Outcome of storing a batch: stored, or a repeat of an already stored `seq`. */
export type StoreOutcome = "stored" | "duplicate";

/** A pending marker: the keys of a batch's events, in order. */
export interface PendingBatch {
  events: [ts: number, id: string][];
}

/**
 * Store a batch durably. With a `seq`, the sensor's high-water mark is checked and moved in
 * the same commit as the batch's last events, so a resent batch is stored once. Event ids
 * are deterministic per (sensor, seq), so a batch split over several commits and resent
 * after a crash overwrites the same keys.
 */
export async function storeBatch(kv: Deno.Kv, b: BatchToStore): Promise<StoreOutcome> {
  const seqKey = keys.sensorSeq(b.sensor);
  const chunks = chunkEvents(b.events);
  for (;;) {
    let seqEntry: Deno.KvEntryMaybe<{ seq: number }> | null = null;
    if (b.seq !== undefined) {
      seqEntry = await retryLocked(() => kv.get<{ seq: number }>(seqKey));
      if (seqEntry.value && seqEntry.value.seq >= b.seq) return "duplicate";
    }
    for (let c = 0; c < chunks.length - 1; c++) {
      const op = kv.atomic();
      for (const ev of chunks[c]) setEvent(op, ev, b.retentionMs);
      await retryLocked(() => op.commit());
    }
    const op = kv.atomic();
    for (const ev of chunks.at(-1) ?? []) setEvent(op, ev, b.retentionMs);
    if (seqEntry) {
      op.check(seqEntry);
      op.set(seqKey, { seq: b.seq });
    }
    if (b.events.length > 0) {
      op.sum(keys.sensorEvents(b.sensor), BigInt(b.events.length));
      const pending: PendingBatch = { events: b.events.map((e) => [e.ts, e.id]) };
      op.set(keys.pending(b.instance, b.batch), pending);
    }
    if (b.rejected > 0) op.sum(keys.sensorRejected(b.sensor), BigInt(b.rejected));
    const res = await retryLocked(() => op.commit());
    if (res.ok) return "stored";
    // Another connection or instance moved the sensor's mark: read it again and decide.
  }
}

function setEvent(op: Deno.AtomicOperation, ev: NormalisedEvent, retentionMs: number): void {
  op.set(keys.event(ev.ts, ev.id), ev, { expireIn: retentionMs });
  op.set(keys.eventByIp(ev.src_ip, ev.ts, ev.id), ev, { expireIn: retentionMs });
}

/** Split events so each commit stays inside KV's limits (two mutations per event). */
function chunkEvents(events: readonly NormalisedEvent[]): NormalisedEvent[][] {
  const out: NormalisedEvent[][] = [[]];
  let bytes = 0;
  for (const ev of events) {
    const size = 2 * (JSON.stringify(ev).length + 64);
    const cur = out[out.length - 1];
    if (cur.length > 0 && ((cur.length + 1) * 2 > MAX_MUTATIONS - 10 || bytes + size > MAX_BYTES)) {
      out.push([ev]);
      bytes = size;
    } else {
      cur.push(ev);
      bytes += size;
    }
  }
  return out;
}

/** The highest acknowledged `seq` of a sensor (0 if none). */
export async function sensorSeq(kv: Deno.Kv, sensor: string): Promise<number> {
  const e = await retryLocked(() => kv.get<{ seq: number }>(keys.sensorSeq(sensor)));
  return e.value?.seq ?? 0;
}

/** Events counted once per sensor, after dedup. */
export async function sensorCounts(
  kv: Deno.Kv,
  sensor: string,
): Promise<{ events: number; rejected: number }> {
  const [e, r] = await retryLocked(() =>
    kv.getMany<unknown[]>([keys.sensorEvents(sensor), keys.sensorRejected(sensor)])
  );
  return { events: counterValue(e.value), rejected: counterValue(r.value) };
}

/** A `sum` counter reads back as a bigint or, on older runtimes, a Deno.KvU64. */
function counterValue(v: unknown): number {
  if (typeof v === "bigint") return Number(v);
  if (v && typeof v === "object" && "value" in v) return Number((v as { value: bigint }).value);
  return 0;
}

/** Delete this instance's pending markers up to and including `batch` (their actors are flushed). */
export async function clearPending(kv: Deno.Kv, instance: string, batch: number): Promise<number> {
  let n = 0;
  let op = kv.atomic();
  let inOp = 0;
  const iter = listLocked(kv, { start: keys.pending(instance, 0), end: keys.pending(instance, batch + 1) });
  for await (const e of iter) {
    op.delete(e.key);
    n++;
    if (++inOp >= 500) {
      const full = op;
      await retryLocked(() => full.commit());
      op = kv.atomic();
      inOp = 0;
    }
  }
  if (inOp > 0) await retryLocked(() => op.commit());
  return n;
}

/** Read the stored events of a pending batch (in order; missing ones skipped). */
export async function readPendingEvents(kv: Deno.Kv, p: PendingBatch): Promise<NormalisedEvent[]> {
  const out: NormalisedEvent[] = [];
  for (let i = 0; i < p.events.length; i += 10) {
    const ks = p.events.slice(i, i + 10).map(([ts, id]) => keys.event(ts, id));
    const got = await retryLocked(() => kv.getMany<NormalisedEvent[]>(ks));
    for (const e of got) if (e.value) out.push(e.value);
  }
  return out;
}
