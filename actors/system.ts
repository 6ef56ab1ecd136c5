/**
 * The actor system: per-IP actors in memory, write-behind to Deno KV (DESIGN section 4).
 *
 * - Events are applied in memory through the pure `step`; the events since the last
 *   flush are the actor's delta.
 * - A flush commits dirty actors in batched `atomic()`s with a versionstamp check each.
 *   On a conflict (another isolate or process wrote the actor) it re-reads the actor and
 *   re-applies the delta, so no update is lost.
 * - Idle actors are passivated (flushed and dropped); the number in memory is capped.
 */
import type { Clock } from "../lib/clock.ts";
import type { Detector } from "../lib/detectors/mod.ts";
import { log } from "../lib/log.ts";
import type { Anomaly, NormalisedEvent } from "../lib/schema.ts";
import { type ActorState, fitActor, newActor, step, takeUnsent } from "./actor.ts";
import type { KnownIps } from "./known.ts";
import { commitOp, readActors, retryLocked } from "./store.ts";

/** Where a batch of events came from, for crash recovery (see `pipeline.ts`). */
export interface Origin {
  instance: string;
  batch: number;
}

/** A built commit and, per slot, how many of its delta events the commit covers. */
interface PreparedChunk {
  op: Deno.AtomicOperation;
  slots: [Slot, number][];
}

interface Slot {
  state: ActorState;
  versionstamp: string | null;
  /** Events applied since the last flush, with their origin. */
  delta: { ev: NormalisedEvent; origin: Origin }[];
  touched: number;
}

export interface ActorSystemOptions {
  clock: Clock;
  detectors: readonly Detector[];
  /** Most actors kept in memory; the least recently used are passivated past it. */
  maxActors?: number;
  /** Passivate actors untouched this long (wall clock). */
  idleMs?: number;
  /** Forget an actor not written this long (KV `expireIn` plus a stamp in the value). */
  ttlMs?: number;
  /** Flush an actor early once its delta holds this many events (bounds memory per actor). */
  maxDelta?: number;
  /** IPs that have an actor in KV; an IP it has never seen is activated without a read. */
  known?: KnownIps | null;
}

export interface FlushStats {
  actors: number;
  commits: number;
  conflicts: number;
}

/** Bounds a single atomic commit: KV allows 100 checks and 800 KiB of mutations. */
const MAX_ACTORS_PER_COMMIT = 90;
const MAX_BYTES_PER_COMMIT = 600_000;

export class ActorSystem {
  readonly #kv: Deno.Kv;
  readonly #o: Required<ActorSystemOptions>;
  readonly #slots = new Map<string, Slot>();
  #lock: Promise<unknown> = Promise.resolve();
  /** Flush rounds, one after another. */
  #flushChain: Promise<unknown> = Promise.resolve();
  /**
   * Receives anomalies raised outside `apply`: updates held back by the emit throttle
   * (sent at flush) and those raised again while re-applying a delta after a conflict.
   */
  onAnomalies: (a: Anomaly[]) => Promise<void> = async () => {};
  /**
   * Called inside `apply`, before the next flush can run, with the anomalies it raised: so
   * whoever stores and publishes them does so before any later update of the same anomaly.
   */
  onRaised: ((a: Anomaly[]) => void) | null = null;
  readonly stats = { flushes: 0, commits: 0, conflicts: 0, passivated: 0, activated: 0, reads: 0 };

  constructor(kv: Deno.Kv, options: ActorSystemOptions) {
    this.#kv = kv;
    this.#o = {
      maxActors: 20_000,
      idleMs: 5 * 60_000,
      ttlMs: 7 * 86_400_000,
      maxDelta: 500,
      known: null,
      ...options,
    };
  }

  /** Number of actors in memory. */
  get size(): number {
    return this.#slots.size;
  }

  /** Run `fn` with exclusive access to the slots (apply, flush and passivate interleave otherwise). */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => {});
    return run;
  }

  /**
   * Apply events (in order) to their actors; returns the anomalies raised or updated.
   * An actor whose stored marks show it already has `origin`'s batch skips it (replay after a crash).
   */
  async apply(events: readonly NormalisedEvent[], origin: Origin): Promise<Anomaly[]> {
    let needFlush = false;
    const out = await this.#exclusive(async () => {
      await this.#activate(events.map((e) => e.src_ip));
      const now = this.#o.clock.now();
      const out: Anomaly[] = [];
      for (const ev of events) {
        const slot = this.#slots.get(ev.src_ip)!;
        const mark = slot.state.marks[origin.instance];
        if (mark && mark[0] >= origin.batch) {
          continue; // already in the stored state
        }
        const r = step(slot.state, ev, this.#o.detectors);
        slot.delta.push({ ev, origin });
        slot.touched = now;
        for (const a of r.anomalies) out.push(a);
        if (slot.delta.length >= this.#o.maxDelta) needFlush = true;
      }
      // Raised ones go out before the forced flush below can send later updates of them.
      if (out.length > 0) this.onRaised?.(out);
      return out;
    });
    // Bounds: an actor past maxDelta events, or more actors than the cap, wait for a round
    // (which evicts past the cap) before the next batch; the lock is free meanwhile.
    if (needFlush || this.#slots.size > this.#o.maxActors) await this.flush();
    return out;
  }

  async #activate(ips: readonly string[]): Promise<void> {
    const now = this.#o.clock.now();
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const ip of ips) {
      if (seen.has(ip)) continue;
      seen.add(ip);
      const slot = this.#slots.get(ip);
      if (slot) {
        // Move to the end: Map order is the LRU order.
        this.#slots.delete(ip);
        this.#slots.set(ip, slot);
      } else missing.push(ip);
    }
    if (missing.length === 0) return;
    const known = this.#o.known;
    // Only IPs that may be in KV are read; the rest start as new actors (see known.ts).
    const toRead = known ? missing.filter((ip) => known.has(ip)) : missing;
    const stored = toRead.length > 0 ? await readActors(this.#kv, toRead, now, this.#o.ttlMs) : new Map();
    this.stats.reads += toRead.length;
    for (const ip of missing) {
      const s = stored.get(ip) ?? { state: null, versionstamp: null };
      this.#slots.set(ip, {
        state: s.state ?? newActor(ip),
        versionstamp: s.versionstamp,
        delta: [],
        touched: now,
      });
      this.stats.activated++;
    }
  }

  /** The in-memory state of an actor, if it is active. */
  peek(ip: string): ActorState | undefined {
    return this.#slots.get(ip)?.state;
  }

  /**
   * The actor's state (without activating it): from memory while it holds unflushed events,
   * else from KV, where another instance on the same KV may have written a newer one.
   */
  async get(ip: string): Promise<ActorState | null> {
    const slot = this.#slots.get(ip);
    if (slot && slot.delta.length > 0) return slot.state;
    const vs = slot?.versionstamp;
    const stored = (await readActors(this.#kv, [ip], this.#o.clock.now(), this.#o.ttlMs)).get(ip);
    if (!slot) return stored?.state ?? null;
    // A clean slot takes the newer stored state (a rebase with no delta), unless it moved meanwhile.
    if (
      stored?.state && stored.versionstamp !== vs && this.#slots.get(ip) === slot &&
      slot.versionstamp === vs && slot.delta.length === 0
    ) {
      slot.state = stored.state;
      slot.versionstamp = stored.versionstamp;
    }
    return slot.state;
  }

  /**
   * Write every dirty actor to KV. Rounds run one after another; each takes its snapshot
   * after the call, so everything applied before the call is in KV when it resolves.
   */
  flush(): Promise<FlushStats> {
    const round = this.#flushChain.then(() => this.#flushRound(), () => this.#flushRound());
    this.#flushChain = round.catch(() => {});
    return round;
  }

  /**
   * One round: the commits are built under the lock (a KV `set` serialises its value at
   * once), then committed without it, so ingest goes on applying events while SQLite
   * writes. What a slot gained meanwhile stays in its delta for the next round.
   */
  async #flushRound(): Promise<FlushStats> {
    const stats: FlushStats = { actors: 0, commits: 0, conflicts: 0 };
    const { chunks, unsent } = await this.#exclusive(() => Promise.resolve(this.#prepare(stats)));
    if (unsent.length > 0) await this.onAnomalies(unsent);
    for (const chunk of chunks) {
      let res;
      try {
        res = await retryLocked(() => chunk.op.commit());
      } catch (e) {
        if (!tooLarge(e)) throw e;
        // An actor grew past KV's value limit: shrink it and write the chunk under the lock.
        await this.#exclusive(() => this.#commitLocked(chunk.slots.map(([slot]) => slot), stats));
        continue;
      }
      stats.commits++;
      if (res.ok) {
        for (const [slot, n] of chunk.slots) this.#flushed(slot, n, res.versionstamp);
        continue;
      }
      // Another isolate or process wrote one of these actors: rebase under the lock.
      stats.conflicts++;
      await this.#exclusive(() => this.#commitLocked(chunk.slots.map(([slot]) => slot), stats));
    }
    this.stats.flushes++;
    this.stats.commits += stats.commits;
    this.stats.conflicts += stats.conflicts;
    if (this.#slots.size > this.#o.maxActors) {
      await this.#exclusive(() => Promise.resolve(this.#evict(Math.floor(this.#o.maxActors * 0.9))));
    }
    return stats;
  }

  /** Under the lock: the dirty actors' commits, each slot with the delta length it covers. */
  #prepare(stats: FlushStats): { chunks: PreparedChunk[]; unsent: Anomaly[] } {
    const dirty = [...this.#slots.values()].filter((s) => s.delta.length > 0);
    const unsent = dirty.flatMap((s) => takeUnsent(s.state));
    stats.actors = dirty.length;
    const now = this.#o.clock.now();
    const chunks: PreparedChunk[] = [];
    let i = 0;
    while (i < dirty.length) {
      const chunk: Slot[] = [];
      let bytes = 0;
      while (i < dirty.length && chunk.length < MAX_ACTORS_PER_COMMIT) {
        const size = approxBytes(dirty[i].state);
        if (chunk.length > 0 && bytes + size > MAX_BYTES_PER_COMMIT) break;
        bytes += size;
        chunk.push(dirty[i++]);
      }
      for (const slot of chunk) markApplied(slot, now);
      // KV checks value sizes at commit, not at `set`: an oversized actor is handled there.
      chunks.push({
        op: commitOp(this.#kv, chunk, now, this.#o.ttlMs),
        slots: chunk.map((slot) => [slot, slot.delta.length]),
      });
    }
    return { chunks, unsent };
  }

  /** A commit of `slot` covering its first `n` delta events succeeded. */
  #flushed(slot: Slot, n: number, versionstamp: string): void {
    slot.versionstamp = versionstamp;
    slot.delta = n >= slot.delta.length ? [] : slot.delta.slice(n);
    this.#o.known?.add(slot.state.ip);
  }

  /** Under the lock: commit these actors' whole deltas, rebasing on conflict until it holds. */
  async #commitLocked(chunk: Slot[], stats: FlushStats): Promise<void> {
    let fitted = false;
    for (let attempt = 0;; attempt++) {
      await this.#rebase(chunk, this.#o.clock.now());
      const now = this.#o.clock.now();
      for (const slot of chunk) markApplied(slot, now);
      let res;
      try {
        const op = commitOp(this.#kv, chunk, now, this.#o.ttlMs);
        res = await retryLocked(() => op.commit());
      } catch (e) {
        if (!tooLarge(e) || fitted) throw e;
        for (const slot of chunk) fitActor(slot.state);
        fitted = true;
        continue;
      }
      stats.commits++;
      if (res.ok) {
        for (const slot of chunk) this.#flushed(slot, slot.delta.length, res.versionstamp);
        return;
      }
      stats.conflicts++;
      if (attempt > 100) throw new Error(`Cannot flush ${chunk.length} actors: conflicts did not stop`);
    }
  }

  /** Re-read actors whose stored version moved and re-apply their delta on top. */
  async #rebase(chunk: Slot[], now: number): Promise<void> {
    const stored = await readActors(this.#kv, chunk.map((s) => s.state.ip), now, this.#o.ttlMs);
    const raised: Anomaly[] = [];
    for (const slot of chunk) {
      const s = stored.get(slot.state.ip)!;
      if (s.versionstamp === slot.versionstamp) continue;
      log.debug("actor changed in KV; re-applying delta", { ip: slot.state.ip, events: slot.delta.length });
      let state = s.state ?? newActor(slot.state.ip);
      // Keep only the delta the stored state lacks (another instance may have recovered it).
      slot.delta = slot.delta.filter(({ origin }) => !(state.marks[origin.instance]?.[0] >= origin.batch));
      for (const { ev } of slot.delta) {
        const r = step(state, ev, this.#o.detectors);
        state = r.state;
        raised.push(...r.anomalies);
      }
      slot.state = state;
      slot.versionstamp = s.versionstamp;
    }
    if (raised.length > 0) await this.onAnomalies(raised);
  }

  /** Flush, then drop actors untouched for `idleMs`. Returns how many were passivated. */
  async passivateIdle(): Promise<number> {
    await this.flush();
    return this.#exclusive(() => {
      const cutoff = this.#o.clock.now() - this.#o.idleMs;
      let n = 0;
      for (const [ip, slot] of this.#slots) {
        if (slot.touched <= cutoff && slot.delta.length === 0) {
          this.#slots.delete(ip);
          n++;
        }
      }
      this.stats.passivated += n;
      return Promise.resolve(n);
    });
  }

  /** Drop clean actors, least recently used first, down to `target` (after a flush). */
  #evict(target: number): void {
    for (const [ip, slot] of this.#slots) {
      if (this.#slots.size <= target) break;
      if (slot.delta.length === 0) {
        this.#slots.delete(ip);
        this.stats.passivated++;
      }
    }
  }

  /** Flush everything and forget all actors (shutdown). */
  async close(): Promise<FlushStats> {
    const st = await this.flush();
    await this.#exclusive(() => Promise.resolve(this.#slots.clear()));
    return st;
  }
}

/** KV refused a value or commit for its size. */
function tooLarge(e: unknown): boolean {
  return e instanceof Error && /too large/i.test(e.message);
}

/** A cheap upper estimate of an actor's stored size (JSON.stringify of every state costs more than the commit). */
function approxBytes(s: ActorState): number {
  return 1500 + s.recent.length * 160 + (s.usernames.evicted + s.passwords.evicted > 0 ? 4000 : 0) +
    Object.keys(s.usernames.v).length * 40 + Object.keys(s.passwords.v).length * 40 +
    Object.keys(s.ports.v).length * 24 + Object.keys(s.open).length * 1500;
}

/** Record in the state which batches of which instances it now contains; forget marks older than a day. */
function markApplied(slot: Slot, now: number): void {
  const marks = slot.state.marks;
  for (const { origin } of slot.delta) {
    const m = marks[origin.instance];
    if (!m || m[0] < origin.batch) marks[origin.instance] = [origin.batch, now];
  }
  for (const [inst, m] of Object.entries(marks)) if (now - m[1] > 86_400_000) delete marks[inst];
}
