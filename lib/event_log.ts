/**
 * The event log in Deno KV, stored in blocks: a KV commit costs per mutation far more than
 * per byte (~130k mutations/s at best, against ~500k events/s written as 100-event values),
 * so a batch becomes a few block values instead of one key per event.
 *
 * - `["evb", maxTs, blockId]` -> `{ min, events }`: a slice of a batch (<= ~40 KB, original order).
 * - `["evb_ip", ip, maxTs, blockId]` -> `{ min, events }`: the same block's events of one IP.
 *
 * Reading newest first merges blocks by event time: blocks are listed by their newest event
 * and an event is handed out only once no block still unread can hold a newer one, so the
 * order is exactly (ts, id) descending even where sensors' batches overlap in time. A page
 * cursor carries the list position and the blocks still open, so paging is exact as well.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import { HttpError } from "./http_error.ts";
import type { Page } from "./paging.ts";
import type { NormalisedEvent } from "./schema.ts";

/** A stored block: its oldest event time and its events in arrival order. */
export interface EventBlock {
  min: number;
  events: NormalisedEvent[];
}

/** Where a block is: its newest event time and id (the key is built from these). */
export type BlockRef = [maxTs: number, blockId: string];

/** Serialised size a block aims under (KV values may be 64 KiB; V8's encoding is near JSON's). */
const BLOCK_BYTES = 40_000;
/** A block spans at most this much event time, so a range read starts near its upper bound. */
export const BLOCK_SPAN_MS = 3_600_000;

/** A block ready to write: its ref, its events, and per source IP the share of them. */
export interface PreparedBlock {
  ref: BlockRef;
  block: EventBlock;
  byIp: Map<string, EventBlock & { max: number }>;
  /** Estimated serialised bytes of the block (the per-IP copies add as much again). */
  bytes: number;
}

/**
 * Cut a batch's events into blocks named `${batchId}.${n}` (deterministic: a resent batch
 * writes the same keys).
 */
export function prepareBlocks(batchId: string, events: readonly NormalisedEvent[]): PreparedBlock[] {
  const out: PreparedBlock[] = [];
  let cur: NormalisedEvent[] = [];
  let bytes = 0;
  let min = Infinity;
  let max = -Infinity;
  const close = () => {
    if (cur.length === 0) return;
    const byIp = new Map<string, EventBlock & { max: number }>();
    for (const e of cur) {
      const g = byIp.get(e.src_ip);
      if (!g) byIp.set(e.src_ip, { min: e.ts, max: e.ts, events: [e] });
      else {
        g.events.push(e);
        if (e.ts < g.min) g.min = e.ts;
        if (e.ts > g.max) g.max = e.ts;
      }
    }
    out.push({ ref: [max, `${batchId}.${out.length}`], block: { min, events: cur }, byIp, bytes });
    cur = [];
    bytes = 0;
    min = Infinity;
    max = -Infinity;
  };
  for (const e of events) {
    const size = approxBytes(e);
    const lo = Math.min(min, e.ts);
    const hi = Math.max(max, e.ts);
    if (cur.length > 0 && (bytes + size > BLOCK_BYTES || hi - lo > BLOCK_SPAN_MS)) close();
    cur.push(e);
    bytes += size;
    if (e.ts < min) min = e.ts;
    if (e.ts > max) max = e.ts;
  }
  close();
  return out;
}

/** Add a prepared block and its per-IP copies to a commit. */
export function writeBlock(op: Deno.AtomicOperation, b: PreparedBlock, retentionMs: number): void {
  const [maxTs, id] = b.ref;
  op.set(keys.eventBlock(maxTs, id), b.block, { expireIn: retentionMs });
  for (const [ip, g] of b.byIp) {
    op.set(keys.eventBlockByIp(ip, g.max, id), { min: g.min, events: g.events }, { expireIn: retentionMs });
  }
}

/** Delete a block and its per-IP copies (retention). */
export function deleteBlockKeys(ref: BlockRef, block: EventBlock): Deno.KvKey[] {
  const [maxTs, id] = ref;
  const maxByIp = new Map<string, number>();
  for (const e of block.events) maxByIp.set(e.src_ip, Math.max(maxByIp.get(e.src_ip) ?? -Infinity, e.ts));
  return [keys.eventBlock(maxTs, id), ...[...maxByIp].map(([ip, m]) => keys.eventBlockByIp(ip, m, id))];
}

/** The events of these blocks, in the order they were stored (crash recovery). */
export async function readBlocks(kv: Deno.Kv, refs: readonly BlockRef[]): Promise<NormalisedEvent[]> {
  const out: NormalisedEvent[] = [];
  for (let i = 0; i < refs.length; i += 10) {
    const ks = refs.slice(i, i + 10).map(([maxTs, id]) => keys.eventBlock(maxTs, id));
    const got = await retryLocked(() => kv.getMany<EventBlock[]>(ks));
    for (const e of got) if (e.value) out.push(...e.value.events);
  }
  return out;
}

/** What to read: one IP's events or all, an event-time range, and a filter. */
export interface EventQuery {
  ip?: string;
  /** Event time bounds, ms, inclusive. */
  since?: number;
  until?: number;
  filter?: (e: NormalisedEvent) => boolean;
}

/** A block being handed out: its events newest first and how many are done. */
interface Open {
  key: Deno.KvKey;
  sorted: NormalisedEvent[];
  pos: number;
}

/** Cursor: the block list's own cursor, and each open block's key and position. */
interface CursorState {
  l: string | null;
  o: [Deno.KvKey, number][];
}

const newerFirst = (a: NormalisedEvent, b: NormalisedEvent) =>
  b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * Events newest first (exact (ts, id) order), resumable: `next()` gives the next matching
 * event or null at the end, `cursor()` the place after the last one given.
 */
export class EventScan {
  readonly #kv: Deno.Kv;
  readonly #q: EventQuery;
  readonly #iter: Deno.KvListIterator<EventBlock>;
  #open: Open[] = [];
  /** The next block of the list, read ahead (its newest time bounds what may still come). */
  #ahead: Deno.KvEntry<EventBlock> | null = null;
  #listCursor: string | null = null;
  #listDone = false;
  #started = false;
  #resume: [Deno.KvKey, number][] = [];

  constructor(kv: Deno.Kv, q: EventQuery, cursor?: string) {
    this.#kv = kv;
    this.#q = q;
    const prefix = q.ip ? keys.eventBlockByIpPrefix(q.ip) : keys.eventBlockPrefix();
    let listCursor: string | undefined;
    if (cursor) {
      const c = decodeCursor(cursor);
      listCursor = c.l || undefined;
      this.#listCursor = c.l;
      this.#listDone = c.l === null;
      this.#resume = c.o;
    }
    // A block holds events up to BLOCK_SPAN_MS older than its newest: start that far above `until`.
    const end = q.until === undefined ? undefined : [...prefix, q.until + BLOCK_SPAN_MS + 1];
    const start = q.since === undefined ? undefined : [...prefix, q.since];
    const selector: Deno.KvListSelector = start && end
      ? { start, end }
      : start
      ? { prefix, start }
      : end
      ? { prefix, end }
      : { prefix };
    this.#iter = kv.list<EventBlock>(selector, { reverse: true, cursor: listCursor, batchSize: 64 });
  }

  async #start(): Promise<void> {
    this.#started = true;
    if (this.#resume.length > 0) {
      for (let i = 0; i < this.#resume.length; i += 10) {
        const part = this.#resume.slice(i, i + 10);
        const got = await retryLocked(() => this.#kv.getMany<EventBlock[]>(part.map(([k]) => k)));
        got.forEach((e, j) => {
          if (e.value) {
            this.#open.push({ key: e.key, sorted: e.value.events.toSorted(newerFirst), pos: part[j][1] });
          }
        });
      }
    }
    if (!this.#listDone) await this.#readAhead();
  }

  async #readAhead(): Promise<void> {
    const r = await retryLocked(() => this.#iter.next());
    if (r.done) {
      this.#ahead = null;
      this.#listDone = true;
      this.#listCursor = null;
    } else {
      this.#ahead = r.value;
    }
  }

  /** The newest event time a block not yet opened may hold (-Infinity when none is left). */
  #bound(): number {
    return this.#ahead ? (this.#ahead.key.at(-2) as number) : -Infinity;
  }

  /** The next matching event, or null when there is none. */
  async next(): Promise<NormalisedEvent | null> {
    if (!this.#started) await this.#start();
    const { since, until, filter, ip } = this.#q;
    for (;;) {
      // The newest event among the open blocks.
      let best: Open | null = null;
      for (const o of this.#open) {
        if (o.pos < o.sorted.length && (!best || newerFirst(o.sorted[o.pos], best.sorted[best.pos]) < 0)) {
          best = o;
        }
      }
      const top = best ? best.sorted[best.pos] : null;
      // A block not opened yet may hold something newer (or as new): open it first.
      if (this.#ahead && (!top || top.ts <= this.#bound())) {
        const e = this.#ahead;
        this.#listCursor = this.#iter.cursor;
        this.#open.push({ key: e.key, sorted: e.value.events.toSorted(newerFirst), pos: 0 });
        await this.#readAhead();
        continue;
      }
      if (!best || !top) return null;
      best.pos++;
      if (best.pos >= best.sorted.length) this.#open = this.#open.filter((o) => o !== best);
      if (since !== undefined && top.ts < since) {
        // Everything left is older still (open blocks sort newest first; unread ones are older).
        if (!this.#ahead || this.#bound() < since) {
          this.#open = [];
          this.#ahead = null;
          this.#listDone = true;
          this.#listCursor = null;
          return null;
        }
        continue;
      }
      if (until !== undefined && top.ts > until) continue;
      if (ip !== undefined && top.src_ip !== ip) continue;
      if (filter && !filter(top)) continue;
      return top;
    }
  }

  /** Where to go on after the last event given; null when nothing can follow. */
  cursor(): string | null {
    const open = this.#open.filter((o) => o.pos < o.sorted.length);
    if (open.length === 0 && !this.#ahead) return null;
    // The read-ahead block is not open yet: resuming lists it again from the saved position.
    const state: CursorState = {
      l: this.#ahead ? this.#listCursor ?? "" : null,
      o: open.map((o) => [o.key, o.pos]),
    };
    return encodeCursor(state);
  }
}

/** Up to `limit` events newest first after `cursor`; following the cursor walks the whole range. */
export async function pageEvents(
  kv: Deno.Kv,
  q: EventQuery,
  limit: number,
  cursor?: string,
): Promise<Page<NormalisedEvent>> {
  const scan = new EventScan(kv, q, cursor);
  const items: NormalisedEvent[] = [];
  while (items.length < limit) {
    const e = await scan.next();
    if (!e) return { items, cursor: null };
    items.push(e);
  }
  const next = scan.cursor();
  if (next === null) return { items, cursor: null };
  // Peek: if nothing follows, say so now instead of handing out a cursor to an empty page.
  const more = await new EventScan(kv, q, next).next();
  return { items, cursor: more ? next : null };
}

/** Every matching event, newest first. */
export async function* scanEvents(kv: Deno.Kv, q: EventQuery): AsyncGenerator<NormalisedEvent> {
  const scan = new EventScan(kv, q);
  for (let e = await scan.next(); e; e = await scan.next()) yield e;
}

/** The newest `max` matching events, returned oldest first, and whether older ones were left out. */
export async function newestEvents(
  kv: Deno.Kv,
  q: EventQuery,
  max: number,
): Promise<{ events: NormalisedEvent[]; truncated: boolean }> {
  const out: NormalisedEvent[] = [];
  const scan = new EventScan(kv, q);
  for (let e = await scan.next(); e; e = await scan.next()) {
    if (out.length >= max) return { events: out.reverse(), truncated: true };
    out.push(e);
  }
  return { events: out.reverse(), truncated: false };
}

function encodeCursor(s: CursorState): string {
  const bytes = new TextEncoder().encode(JSON.stringify(s));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor(c: string): CursorState {
  const bad = () =>
    new HttpError(
      400,
      `Cannot page: cursor ${JSON.stringify(c.slice(0, 80))} is not one this server gave out`,
    );
  let s: unknown;
  try {
    const bin = atob(c.replaceAll("-", "+").replaceAll("_", "/"));
    s = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0))));
  } catch {
    throw bad();
  }
  const ok = typeof s === "object" && s !== null &&
    ((s as CursorState).l === null || typeof (s as CursorState).l === "string") &&
    Array.isArray((s as CursorState).o) &&
    (s as CursorState).o.every((x) =>
      Array.isArray(x) && x.length === 2 && Array.isArray(x[0]) && x[0].length <= 5 &&
      (x[0] as unknown[]).every((p) => typeof p === "string" || typeof p === "number") &&
      Number.isInteger(x[1]) && x[1] >= 0 && (x[0][0] === "evb" || x[0][0] === "evb_ip")
    );
  if (!ok) throw bad();
  return s as CursorState;
}

/** A cheap estimate of an event's serialised size. */
function approxBytes(e: NormalisedEvent): number {
  let n = 120;
  for (const k in e) {
    const v = (e as unknown as Record<string, unknown>)[k];
    n += k.length + 4 +
      (typeof v === "string" ? v.length : typeof v === "object" ? JSON.stringify(v).length : 8);
  }
  return n;
}
