/**
 * Durable storage of ingested batches in Deno KV: the event log (in blocks, global and per
 * IP: lib/event_log.ts), the per-sensor dedup high-water mark and counters, and the
 * pending-batch markers that let a restarted server re-apply events whose actor state was
 * not yet flushed.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import { listLocked } from "./list_locked.ts";
import { type BlockRef, prepareBlocks, type PreparedBlock, readBlocks, writeBlock } from "./event_log.ts";
import type { NormalisedEvent } from "./schema.ts";

/** Bounds of one atomic commit (KV allows 1000 mutations and 800 KiB). */
const MAX_MUTATIONS = 900;
const MAX_BYTES = 600_000;
/** KV allows 80 KiB of keys per commit; per-IP block keys are ~60-120 bytes each. */
const MAX_KEY_BYTES = 60_000;

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
  /**
   * The sensors' marks as this instance last wrote them: the commit checks a remembered mark
   * instead of reading it first (one KV round trip a batch instead of two). A mark moved by
   * someone else fails the check, and is then read.
   */
  marks?: Map<string, Deno.KvEntryMaybe<{ seq: number }>>;
}

/** Outcome of storing a batch: stored, or a repeat of an already stored `seq`. */
export type StoreOutcome = "stored" | "duplicate";

/** A pending marker: the blocks of a batch, in order (`events`: the one-key-per-event layout before blocks). */
export interface PendingBatch {
  blocks?: BlockRef[];
  events?: [ts: number, id: string][];
}

/**
 * Store a batch durably. With a `seq`, the sensor's high-water mark is checked and moved in
 * the same commit as the batch's last block, so a resent batch is stored once. Block names
 * are deterministic per (sensor, seq), so a batch split over several commits and resent
 * after a crash overwrites the same keys.
 */
export async function storeBatch(kv: Deno.Kv, b: BatchToStore): Promise<StoreOutcome> {
  const seqKey = keys.sensorSeq(b.sensor);
  const batchId = b.seq !== undefined ? `${b.sensor}.${b.seq}` : `${b.sensor}.${b.instance}.${b.batch}`;
  const blocks = prepareBlocks(batchId, b.events);
  const commits = groupBlocks(blocks);
  for (let attempt = 0;; attempt++) {
    let seqEntry: Deno.KvEntryMaybe<{ seq: number }> | null = null;
    if (b.seq !== undefined) {
      const known = attempt === 0 ? b.marks?.get(b.sensor) : undefined;
      seqEntry = known ?? await retryLocked(() => kv.get<{ seq: number }>(seqKey));
      if (seqEntry.value && seqEntry.value.seq >= b.seq) {
        if (!known) return "duplicate";
        continue; // a remembered mark says so: read it to be sure
      }
    }
    for (let c = 0; c < commits.length - 1; c++) {
      const op = kv.atomic();
      for (const blk of commits[c]) writeBlock(op, blk, b.retentionMs);
      await retryLocked(() => op.commit());
    }
    const op = kv.atomic();
    for (const blk of commits.at(-1) ?? []) writeBlock(op, blk, b.retentionMs);
    if (seqEntry) {
      op.check(seqEntry);
      op.set(seqKey, { seq: b.seq });
    }
    if (b.events.length > 0) {
      op.sum(keys.sensorEvents(b.sensor), BigInt(b.events.length));
      const pending: PendingBatch = { blocks: blocks.map((blk) => blk.ref) };
      op.set(keys.pending(b.instance, b.batch), pending);
    }
    if (b.rejected > 0) op.sum(keys.sensorRejected(b.sensor), BigInt(b.rejected));
    const res = await retryLocked(() => op.commit());
    if (res.ok) {
      if (seqEntry && b.marks) {
        b.marks.set(b.sensor, { key: seqKey, value: { seq: b.seq! }, versionstamp: res.versionstamp });
        // Sensor names come from clients: keep the map bounded.
        if (b.marks.size > 1000) b.marks.delete(b.marks.keys().next().value!);
      }
      return "stored";
    }
    b.marks?.delete(b.sensor);
    // Another connection or instance moved the sensor's mark: read it again and decide.
  }
}

/** Group blocks into commits inside KV's limits (a block is one key plus one per IP in it). */
function groupBlocks(blocks: readonly PreparedBlock[]): PreparedBlock[][] {
  const out: PreparedBlock[][] = [[]];
  let mutations = 0;
  let bytes = 0;
  let keyBytes = 0;
  for (const blk of blocks) {
    const m = 1 + blk.byIp.size;
    const size = 2 * blk.bytes + 64 * m;
    let kb = 40 + blk.ref[1].length;
    for (const ip of blk.byIp.keys()) kb += 40 + ip.length + blk.ref[1].length;
    const full = mutations + m > MAX_MUTATIONS || bytes + size > MAX_BYTES || keyBytes + kb > MAX_KEY_BYTES;
    if (out.at(-1)!.length > 0 && full) {
      out.push([]);
      mutations = 0;
      bytes = 0;
      keyBytes = 0;
    }
    out.at(-1)!.push(blk);
    mutations += m;
    bytes += size;
    keyBytes += kb;
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

/** Read the stored events of a pending batch (in order; missing blocks skipped). */
export async function readPendingEvents(kv: Deno.Kv, p: PendingBatch): Promise<NormalisedEvent[]> {
  if (p.blocks) return await readBlocks(kv, p.blocks);
  // A marker left by a server from before the block layout names one key per event.
  const out: NormalisedEvent[] = [];
  const refs = p.events ?? [];
  for (let i = 0; i < refs.length; i += 10) {
    const ks = refs.slice(i, i + 10).map(([ts, id]) => keys.legacyEvent(ts, id));
    const got = await retryLocked(() => kv.getMany<NormalisedEvent[]>(ks));
    for (const e of got) if (e.value) out.push(e.value);
  }
  return out;
}
