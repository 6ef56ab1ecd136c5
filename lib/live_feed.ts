/**
 * Live fan-out across instances that share nothing but Deno KV (`deno serve --parallel`
 * isolates, several processes on one KV file, Deno Deploy instances, servers on one `denokv`).
 *
 * Writing: every commit that stores anomalies or drift also writes, in that same commit, the
 * messages as a short-lived entry `["feed", instance, seq]`, the instance's newest seq under
 * `["feed_src", instance]`, and bumps the u64 `["feed_head"]` (`sum`, so writers never conflict).
 * One instance's feed commits run one after another, so its seqs land in KV in order.
 *
 * Reading: each instance watches `["feed_head"]` (`kv.watch`; on a local KV file it also polls
 * the head, because SQLite's watch does not see other processes). When the head moved by more
 * than its own commits, it lists `["feed_src"]` and reads each other instance's entries above
 * its cursor for that instance, publishing them into the local hub (`publishRemote`). Its own
 * entries are never read back: those messages were published locally at once. So each
 * message reaches each subscriber once, in the order its instance raised it.
 *
 * Bounded: entries expire after `ttlMs`, reads are paged and capped per pass, an instance seen
 * for the first time is read from at most `MAX_BACKLOG` entries back, and an entry holds at
 * most ~48 KB of JSON (KV values are capped at 64 KiB).
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import type { Clock } from "./clock.ts";
import type { HubData, HubEvent } from "./hub.ts";
import { listLocked } from "./list_locked.ts";
import { log } from "./log.ts";
import type { Registry } from "./metrics.ts";

/** How long a feed entry is kept: far longer than any reader lags, short enough to stay small. */
export const FEED_TTL_MS = 60_000;
/** JSON characters per feed entry (KV values are capped at 64 KiB). */
const ENTRY_CHARS = 48_000;
/** Entries read per list call, and list calls per pass (the next pass follows at once). */
const PAGE = 100;
const PAGES_PER_PASS = 10;
/** An instance first seen after start is read from at most this many entries back. */
const MAX_BACKLOG = 64;
/** Instances listed per pass (`["feed_src"]` holds the instances that wrote in the last TTL). */
const MAX_SOURCES = 1000;

/** What a feed entry holds: messages as their JSON text, so relaying them encodes nothing. */
interface FeedEntry {
  /** The writer's clock when it committed. */
  at: number;
  event: HubEvent;
  items: string[];
}

interface FeedSource {
  seq: number;
  at: number;
}

/** Where relayed messages go (the hub). */
export interface FeedSink {
  publishRemote(event: HubEvent, data: HubData, json: string): void;
}

export interface LiveFeedOptions {
  /** This instance's id; its own entries are never relayed back to it. */
  instance: string;
  clock: Clock;
  /** Also poll the head this often (ms); 0 relies on `kv.watch` alone. */
  pollMs?: number;
  ttlMs?: number;
}

/** Counters for /metrics. */
export interface LiveFeedStats {
  /** Messages relayed from other instances, by kind. */
  received: Record<HubEvent, number>;
  /** Feed entries of other instances that were gone (expired) before this instance read them. */
  missed: number;
  /** Feed commits this instance made. */
  written: number;
  /** Passes that read other instances' entries. */
  reads: number;
}

/**
 * One instance's side of the cross-instance feed: `commit` writes, `start` reads.
 *
 * @example
 * const feed = new LiveFeed(kv, hub, { instance, clock: systemClock });
 * await feed.start();
 * await feed.commit(kv.atomic().set(key, anomaly), "anomaly", [anomaly]); // then hub.publish(...)
 */
export class LiveFeed {
  readonly #kv: Deno.Kv;
  readonly #sink: FeedSink;
  readonly #o: Required<LiveFeedOptions>;
  #seq = 0;
  /** Feed commits run one at a time, so this instance's seqs reach KV in order. */
  #writing: Promise<unknown> = Promise.resolve();
  /** Per other instance, the newest seq relayed. */
  readonly #cursors = new Map<string, number>();
  /** Head at start, and this instance's bumps since (landed or in flight): the head minus both is everyone else's. */
  #base = 0n;
  #own = 0n;
  #othersSeen = 0n;
  #reading: Promise<void> | null = null;
  #again = false;
  #started = false;
  #closed = false;
  #watch: ReadableStreamDefaultReader<Deno.KvEntryMaybe<unknown>[]> | null = null;
  #watching: Promise<void> = Promise.resolve();
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #polling = false;
  readonly stats: LiveFeedStats = { received: { anomaly: 0, drift: 0 }, missed: 0, written: 0, reads: 0 };

  constructor(kv: Deno.Kv, sink: FeedSink, options: LiveFeedOptions) {
    this.#kv = kv;
    this.#sink = sink;
    this.#o = { pollMs: 0, ttlMs: FEED_TTL_MS, ...options };
  }

  /**
   * Add the feed entries for `items` to `op` and commit it (retrying "database is locked").
   * Resolves with the commit's result; the caller then publishes `items` on its own hub.
   */
  commit(
    op: Deno.AtomicOperation,
    event: HubEvent,
    items: readonly HubData[],
  ): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    const run = this.#writing.then(async () => {
      const at = this.#o.clock.now();
      const expireIn = this.#o.ttlMs;
      let entry: string[] = [];
      let chars = 0;
      const put = () => {
        if (entry.length === 0) return;
        op.set(keys.feed(this.#o.instance, ++this.#seq), { at, event, items: entry } satisfies FeedEntry, {
          expireIn,
        });
        entry = [];
        chars = 0;
      };
      for (const item of items) {
        const json = JSON.stringify(item);
        if (chars + json.length > ENTRY_CHARS) put();
        entry.push(json);
        chars += json.length;
      }
      put();
      op.set(keys.feedSource(this.#o.instance), { seq: this.#seq, at } satisfies FeedSource, { expireIn });
      op.sum(keys.feedHead(), 1n);
      // Counted before it lands: a head read meanwhile then looks like fewer others, never more.
      this.#own++;
      let res;
      try {
        res = await retryLocked(() => op.commit());
      } catch (e) {
        this.#own--;
        throw e;
      }
      if (res.ok) this.stats.written++;
      else this.#own--;
      return res;
    });
    this.#writing = run.catch(() => {});
    return run;
  }

  /**
   * Start relaying other instances' messages: from now on, not the past. Resolves once the
   * cursors are set, so whatever another instance commits afterwards is relayed.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    // In the write chain, so no commit of ours is in flight: the base holds all of ours so far.
    const based = this.#writing.then(async () => {
      this.#base = headValue((await retryLocked(() => this.#kv.get(keys.feedHead()))).value);
      this.#own = 0n;
    });
    this.#writing = based.catch(() => {});
    await based;
    for await (
      const e of listLocked<FeedSource>(this.#kv, { prefix: keys.feedSourcePrefix() }, {
        limit: MAX_SOURCES,
      })
    ) {
      const inst = e.key[1] as string;
      if (inst !== this.#o.instance) this.#cursors.set(inst, e.value.seq);
    }
    const stream = this.#kv.watch([keys.feedHead()]);
    this.#watch = stream.getReader();
    this.#watching = this.#watchLoop(this.#watch);
    if (this.#o.pollMs > 0) this.#pollTimer = setInterval(() => this.#poll(), this.#o.pollMs);
  }

  /** Stop reading (writes still work until the KV closes). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pollTimer);
    await this.#watch?.cancel().catch(() => {});
    await this.#watching;
    await this.#reading;
    await this.#writing;
  }

  async #watchLoop(reader: ReadableStreamDefaultReader<Deno.KvEntryMaybe<unknown>[]>): Promise<void> {
    let error = "the stream ended";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.#closed) break;
        this.#observe(headValue(value[0].value));
      }
    } catch (e) {
      error = String(e);
    }
    if (this.#closed) return;
    // The watch stopped (a remote KV went away, or watch is not offered): poll from now on.
    log.warn("live feed: KV watch ended; polling instead", { error });
    this.#pollTimer ??= setInterval(() => this.#poll(), Math.max(this.#o.pollMs, 1000));
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    try {
      this.#observe(headValue((await retryLocked(() => this.#kv.get(keys.feedHead()))).value));
    } catch (e) {
      if (!this.#closed) log.warn("live feed: cannot read the head", { error: String(e) });
    } finally {
      this.#polling = false;
    }
  }

  /**
   * A head value was seen: read when it moved by more than this instance's own commits. While
   * one of ours is in flight the others look one fewer; the head moves again when it lands, and
   * that observation (watch or poll) triggers the read.
   */
  #observe(head: bigint): void {
    const others = head - this.#base - this.#own;
    if (others <= this.#othersSeen) return;
    this.#othersSeen = others;
    this.#schedule();
  }

  /** Run a read pass, or one more after the running one. */
  #schedule(): void {
    if (this.#closed) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = (async () => {
      try {
        do {
          this.#again = false;
          if (await this.#read()) this.#again = true; // capped: go on, after a turn of the loop
          await Promise.resolve();
        } while (this.#again && !this.#closed);
      } catch (e) {
        if (!this.#closed) log.warn("live feed: read failed", { error: String(e) });
      } finally {
        this.#reading = null;
      }
    })();
  }

  /** One pass over the instances with new entries. Returns true when it stopped at its cap. */
  async #read(): Promise<boolean> {
    this.stats.reads++;
    const sources: [string, FeedSource][] = [];
    for await (
      const e of listLocked<FeedSource>(this.#kv, { prefix: keys.feedSourcePrefix() }, {
        limit: MAX_SOURCES,
      })
    ) {
      const inst = e.key[1] as string;
      if (inst !== this.#o.instance) sources.push([inst, e.value]);
    }
    // Forget instances whose source entry expired: they wrote nothing for a whole TTL.
    const live = new Set(sources.map(([inst]) => inst));
    for (const inst of this.#cursors.keys()) if (!live.has(inst)) this.#cursors.delete(inst);
    let pages = 0;
    for (const [inst, src] of sources) {
      const known = this.#cursors.get(inst);
      let cursor = known ?? Math.max(0, src.seq - MAX_BACKLOG);
      while (cursor < src.seq) {
        if (pages++ >= PAGES_PER_PASS || this.#closed) {
          this.#cursors.set(inst, cursor);
          return true;
        }
        const iter = listLocked<FeedEntry>(this.#kv, {
          start: keys.feed(inst, cursor + 1),
          end: keys.feed(inst, src.seq + 1),
        }, { limit: PAGE });
        let n = 0;
        for await (const e of iter) {
          n++;
          const seq = e.key[2] as number;
          // Seen for the first time: only what it wrote within a TTL of its latest entry is new.
          const fresh = known !== undefined || src.at - e.value.at <= this.#o.ttlMs;
          if (known !== undefined && seq > cursor + 1) this.stats.missed += seq - cursor - 1;
          cursor = seq;
          if (fresh) this.#relay(e.value);
        }
        if (n === 0) {
          // The rest expired before it was read.
          if (known !== undefined) this.stats.missed += src.seq - cursor;
          cursor = src.seq;
        }
      }
      this.#cursors.set(inst, cursor);
    }
    return false;
  }

  #relay(entry: FeedEntry): void {
    for (const json of entry.items) {
      let data: HubData;
      try {
        data = JSON.parse(json);
      } catch {
        continue; // written by this code, so never expected; one bad entry must not stop the feed
      }
      this.#sink.publishRemote(entry.event, data, json);
      this.stats.received[entry.event] = (this.stats.received[entry.event] ?? 0) + 1;
    }
  }
}

/** Register the feed's counters (no per-IP or per-instance labels). */
export function liveFeedMetrics(registry: Registry, feed: LiveFeed): void {
  const received = registry.counter(
    "honeywatch_fanout_received_total",
    "Live messages raised by other instances on the same KV and relayed to this one's subscribers, by kind",
    ["event"],
  );
  const missed = registry.counter(
    "honeywatch_fanout_missed_total",
    "Feed entries of other instances that expired before this instance read them",
  );
  const written = registry.counter("honeywatch_fanout_writes_total", "Commits that carried live messages");
  registry.collect(() => {
    received.set({ event: "anomaly" }, feed.stats.received.anomaly);
    received.set({ event: "drift" }, feed.stats.received.drift);
    missed.set(undefined, feed.stats.missed);
    written.set(undefined, feed.stats.written);
  });
}

/** A `sum` counter reads back as a bigint or, on older runtimes, a Deno.KvU64. */
function headValue(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (v && typeof v === "object" && "value" in v) return (v as { value: bigint }).value;
  return 0n;
}
