/**
 * A bounded on-disk spool of batches: the collector's write-ahead log.
 *
 * Every batch is appended here, with its seq and the file positions after it, before it is
 * sent; it is deleted once the server acknowledged it (and the checkpoint says so). A collector
 * killed at any point therefore resends exactly the batches the server may not have, under the
 * same seqs, and the server's dedup makes each event count once. While the server is
 * unreachable the spool grows; at `maxBytes` the policy decides, and says so in the counters:
 *
 * - `block`: `append` waits until acknowledgements free space (the caller stops reading; the
 *   backlog stays in the log files and shows as `lagBytes`).
 * - `drop-oldest`: the oldest segment is deleted and its events are counted in `dropped`.
 *
 * Layout: `<dir>/<first seq, 16 digits>.seg`, one JSON batch per line, segments of about
 * `segmentBytes`. Writes reach the OS before the batch is sent (safe against kill -9); `sync()`
 * fsyncs the open segment (the collector calls it once a second) for power loss.
 */
import { log } from "../lib/log.ts";
import type { Source } from "../lib/schema.ts";
import type { FilePosition } from "./checkpoint.ts";
import { syncDir } from "./checkpoint.ts";

export type SpoolPolicy = "block" | "drop-oldest";
export const SPOOL_POLICIES: readonly SpoolPolicy[] = ["block", "drop-oldest"];

export interface SpooledBatch {
  seq: number;
  source: Source;
  events: unknown[];
  /** Where reading of every file stands after this batch. */
  positions: Record<string, FilePosition>;
}

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  policy: SpoolPolicy;
  /** Highest seq the server acknowledged (from the checkpoint): older batches on disk are skipped. */
  ackedSeq: number;
  /** Highest seq ever used (from the checkpoint); new seqs continue above it and above the disk's. */
  lastSeq: number;
  segmentBytes?: number;
}

interface Segment {
  path: string;
  firstSeq: number;
  lastSeq: number;
  bytes: number;
  events: number;
  /** Loaded batches (always for the open head segment; a few closed ones, see CACHED_SEGMENTS). */
  batches?: SpooledBatch[];
  /** When its batches were last read or written (for the cache's least-recently-used order). */
  usedAt: number;
}

const encoder = new TextEncoder();
/**
 * Closed segments whose parsed batches stay in memory (about 1 MB each), least recently used
 * out first: the uplink reads the oldest unsent segment, the checkpoint the one holding the
 * last acknowledged batch, the writer has just rolled another. With one segment cached they
 * evicted each other and every batch sent re-parsed a whole segment: the collector's largest
 * cost at high rates.
 */
const CACHED_SEGMENTS = 4;

export class Spool {
  readonly #opts: SpoolOptions;
  readonly #segmentBytes: number;
  #segments: Segment[] = [];
  #head: { seg: Segment; file: Deno.FsFile; dirty: boolean } | null = null;
  #acked: number;
  #lastSeq: number;
  #dropped = 0;
  #bytes = 0;
  #waiters: (() => void)[] = [];
  #closed = false;
  #interrupted = false;
  #mutex: Promise<unknown> = Promise.resolve();
  #tick = 0;

  private constructor(opts: SpoolOptions) {
    this.#opts = opts;
    this.#segmentBytes = Math.max(
      4096,
      Math.min(opts.segmentBytes ?? 1024 * 1024, Math.floor(opts.maxBytes / 8)),
    );
    this.#acked = opts.ackedSeq;
    this.#lastSeq = Math.max(opts.lastSeq, opts.ackedSeq);
  }

  /** Opens (and creates) the spool in `opts.dir`, loading what a previous run left. */
  static async open(opts: SpoolOptions): Promise<Spool> {
    await Deno.mkdir(opts.dir, { recursive: true });
    const s = new Spool(opts);
    await s.#load();
    return s;
  }

  async #load(): Promise<void> {
    const names: string[] = [];
    for await (const e of Deno.readDir(this.#opts.dir)) {
      if (e.isFile && /^\d{16}\.seg$/.test(e.name)) names.push(e.name);
    }
    names.sort();
    for (const name of names) {
      const path = `${this.#opts.dir}/${name}`;
      const { batches, goodBytes, totalBytes } = parseSegment(await Deno.readFile(path));
      if (goodBytes < totalBytes) {
        // A batch torn by a crash mid-write: it was never sent; its lines are read again.
        log.warn("collector: spool segment ends in a torn batch; dropping the torn part", { path });
        await Deno.truncate(path, goodBytes);
      }
      const live = batches.filter((b) => b.seq > this.#acked);
      for (const b of batches) this.#lastSeq = Math.max(this.#lastSeq, b.seq);
      if (live.length === 0) {
        await Deno.remove(path);
        continue;
      }
      this.#segments.push({
        path,
        firstSeq: batches[0].seq,
        lastSeq: batches[batches.length - 1].seq,
        bytes: goodBytes,
        events: live.reduce((n, b) => n + b.events.length, 0),
        usedAt: 0,
      });
      this.#bytes += goodBytes;
    }
  }

  /** Highest seq given out so far. */
  get lastSeq(): number {
    return this.#lastSeq;
  }
  get ackedSeq(): number {
    return this.#acked;
  }
  /** Bytes on disk. */
  get bytes(): number {
    return this.#bytes;
  }
  /** Events lost to `drop-oldest` since the spool was opened. */
  get dropped(): number {
    return this.#dropped;
  }
  /** Appends waiting for space (policy `block`). */
  get waiting(): number {
    return this.#waiters.length;
  }
  /** True when every batch has been acknowledged. */
  get drained(): boolean {
    return this.#acked >= this.#lastSeq || this.#segments.every((s) => s.lastSeq <= this.#acked);
  }

  /** The positions after the newest batch on disk, or null if the spool is empty. */
  async lastPositions(): Promise<Record<string, FilePosition> | null> {
    const seg = this.#segments.at(-1);
    if (!seg) return null;
    const batches = await this.#batchesOf(seg);
    return batches.at(-1)?.positions ?? null;
  }

  /** The positions after the newest batch with a seq at or below `seq` still on disk, or null. */
  positionsAt(seq: number): Promise<Record<string, FilePosition> | null> {
    return this.#locked(() => this.#positionsAt(seq));
  }

  async #positionsAt(seq: number): Promise<Record<string, FilePosition> | null> {
    for (let i = this.#segments.length - 1; i >= 0; i--) {
      const seg = this.#segments[i];
      if (seg.firstSeq > seq) continue;
      const batches = await this.#batchesOf(seg);
      for (let j = batches.length - 1; j >= 0; j--) if (batches[j].seq <= seq) return batches[j].positions;
    }
    return null;
  }

  /**
   * Appends a batch under the next seq and returns it. With `block` it waits for space;
   * with `drop-oldest` it deletes the oldest segments to make room.
   */
  async append(
    source: Source,
    events: unknown[],
    positions: Record<string, FilePosition>,
  ): Promise<SpooledBatch> {
    // Serialised once, with a placeholder seq; the real one is spliced in when it is written.
    const body = JSON.stringify({ source, events, positions });
    const size = encoder.encode(body).length + 24;
    while (this.#bytes > 0 && this.#bytes + size > this.#opts.maxBytes && !this.#closed) {
      if (this.#interrupted) {
        throw new Error("Spool append interrupted: the spool is full and the collector stops");
      }
      if (this.#opts.policy === "block") {
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
      } else {
        await this.#locked(() => this.#dropOldest());
      }
    }
    return await this.#locked(() => this.#write(source, events, positions, body));
  }

  /** Runs `fn` after every earlier locked operation: seqs, segments and renumbering never interleave. */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#mutex.then(fn, fn);
    this.#mutex = run.catch(() => {});
    return run;
  }

  async #write(
    source: Source,
    events: unknown[],
    positions: Record<string, FilePosition>,
    body = JSON.stringify({ source, events, positions }),
  ): Promise<SpooledBatch> {
    if (this.#closed) throw new Error("Cannot append to the spool: it is closed");
    const batch: SpooledBatch = { seq: this.#lastSeq + 1, source, events, positions };
    // `{"seq":N,` + the rest of the object: the same line JSON.stringify(batch) would give.
    const bytes = encoder.encode(`{"seq":${batch.seq},${body.slice(1)}\n`);
    if (!this.#head || this.#head.seg.bytes >= this.#segmentBytes) await this.#roll(batch.seq);
    const head = this.#head!;
    let n = 0;
    while (n < bytes.length) n += await head.file.write(bytes.subarray(n));
    head.dirty = true;
    head.seg.lastSeq = batch.seq;
    head.seg.bytes += bytes.length;
    head.seg.events += events.length;
    head.seg.batches!.push(batch);
    this.#bytes += bytes.length;
    this.#lastSeq = batch.seq;
    return batch;
  }

  async #roll(firstSeq: number): Promise<void> {
    if (this.#head) {
      if (this.#head.dirty) await this.#head.file.sync();
      const closed = this.#head.seg;
      this.#head.file.close();
      this.#head = null;
      // Keep its batches only if the uplink will read them soon (it is at most a few segments
      // behind); when it is far behind (catching up, server down) they would only evict the
      // segments it is reading now.
      const behind = this.#segments.filter((s) => s.lastSeq > this.#acked).length;
      if (behind > CACHED_SEGMENTS) closed.batches = undefined;
      else closed.usedAt = ++this.#tick;
      this.#trimCache();
    }
    const path = `${this.#opts.dir}/${String(firstSeq).padStart(16, "0")}.seg`;
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    const seg: Segment = {
      path,
      firstSeq,
      lastSeq: firstSeq - 1,
      bytes: 0,
      events: 0,
      batches: [],
      usedAt: ++this.#tick,
    };
    this.#segments.push(seg);
    this.#head = { seg, file, dirty: false };
    await syncDir(this.#opts.dir);
  }

  async #dropOldest(): Promise<void> {
    let seg = this.#segments[0];
    if (!seg) return;
    if (this.#head?.seg === seg) {
      // Only the open segment is left: close it so that new batches go to a fresh one.
      await this.#roll(this.#lastSeq + 1);
      seg = this.#segments[0];
    }
    this.#segments.shift();
    const lost = (await this.#batchesOf(seg)).filter((b) => b.seq > this.#acked);
    const events = lost.reduce((n, b) => n + b.events.length, 0);
    this.#dropped += events;
    this.#bytes -= seg.bytes;
    await Deno.remove(seg.path).catch(() => {});
    log.warn("collector: spool full; dropped the oldest batches (policy drop-oldest)", {
      seqs: lost.length ? `${lost[0].seq}-${lost[lost.length - 1].seq}` : "",
      events,
    });
  }

  async #batchesOf(seg: Segment): Promise<SpooledBatch[]> {
    seg.usedAt = ++this.#tick;
    if (seg.batches) return seg.batches;
    const { batches } = parseSegment(await Deno.readFile(seg.path));
    seg.batches = batches;
    this.#trimCache();
    return batches;
  }

  /** Forget the parsed batches of all but the CACHED_SEGMENTS most recently used closed segments. */
  #trimCache(): void {
    const closed = this.#segments.filter((s) => s.batches && s !== this.#head?.seg);
    if (closed.length <= CACHED_SEGMENTS) return;
    closed.sort((a, b) => b.usedAt - a.usedAt);
    for (const s of closed.slice(CACHED_SEGMENTS)) s.batches = undefined;
  }

  /** The first unacknowledged batch with a seq above `afterSeq`, or null. */
  next(afterSeq: number): Promise<SpooledBatch | null> {
    return this.#locked(() => this.#next(afterSeq));
  }

  async #next(afterSeq: number): Promise<SpooledBatch | null> {
    const after = Math.max(afterSeq, this.#acked);
    for (const seg of this.#segments) {
      if (seg.lastSeq <= after) continue;
      for (const b of await this.#batchesOf(seg)) if (b.seq > after) return b;
    }
    return null;
  }

  /** Records that the server acknowledged every batch up to `seq`. */
  ack(seq: number): void {
    if (seq > this.#acked) this.#acked = seq;
  }

  /** Deletes fully acknowledged segments. Call after the checkpoint covering them is saved. */
  compact(): Promise<void> {
    return this.#locked(() => this.#compact());
  }

  async #compact(): Promise<void> {
    while (this.#segments.length > 0 && this.#segments[0].lastSeq <= this.#acked) {
      const seg = this.#segments[0];
      if (this.#head?.seg === seg) {
        if (seg.lastSeq < seg.firstSeq) break; // a fresh, empty head
        this.#head.file.close();
        this.#head = null;
      }
      this.#segments.shift();
      this.#bytes -= seg.bytes;
      await Deno.remove(seg.path).catch(() => {});
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /**
   * Gives every unacknowledged batch a new seq above `floor`, in order. For when the server's
   * high-water mark is above ours (the state dir was reset): it would take our seqs as repeats.
   */
  renumberAbove(floor: number): Promise<void> {
    return this.#locked(() => this.#renumberAbove(floor));
  }

  async #renumberAbove(floor: number): Promise<void> {
    const pending: SpooledBatch[] = [];
    for (const seg of this.#segments) {
      for (const b of await this.#batchesOf(seg)) if (b.seq > this.#acked) pending.push(b);
    }
    if (this.#head) {
      this.#head.file.close();
      this.#head = null;
    }
    for (const seg of this.#segments) await Deno.remove(seg.path).catch(() => {});
    this.#segments = [];
    this.#bytes = 0;
    this.#acked = floor;
    this.#lastSeq = floor;
    for (const b of pending) await this.#write(b.source, b.events, b.positions);
    log.info("collector: renumbered spooled batches above the server's high-water mark", {
      floor,
      batches: pending.length,
    });
  }

  /** fsync the open segment if it has unsynced writes. */
  sync(): Promise<void> {
    return this.#locked(() => this.#sync());
  }

  async #sync(): Promise<void> {
    if (this.#head?.dirty) {
      this.#head.dirty = false;
      await this.#head.file.sync();
    }
  }

  /** Makes appends that wait for space (policy `block`) fail now and from now on; others go on. */
  interrupt(): void {
    this.#interrupted = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.sync().catch(() => {});
    this.#head?.file.close();
    this.#head = null;
    for (const w of this.#waiters) w();
    this.#waiters = [];
  }
}

/** Parses a segment's bytes; stops at the first line that is not a whole batch. */
function parseSegment(data: Uint8Array): { batches: SpooledBatch[]; goodBytes: number; totalBytes: number } {
  const decoder = new TextDecoder();
  const batches: SpooledBatch[] = [];
  let start = 0;
  while (start < data.length) {
    const nl = data.indexOf(10, start);
    if (nl < 0) break;
    try {
      const b = JSON.parse(decoder.decode(data.subarray(start, nl))) as SpooledBatch;
      if (typeof b.seq !== "number" || !Array.isArray(b.events)) break;
      batches.push(b);
    } catch {
      break;
    }
    start = nl + 1;
  }
  return { batches, goodBytes: start, totalBytes: data.length };
}
