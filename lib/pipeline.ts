/**
 * The ingest pipeline shared by the WebSocket uplink, HTTP ingest and the demo feed:
 * parse -> normalise -> durable write (dedup by sensor and seq) -> actors -> anomalies
 * -> KV and the live hub.
 */
import type { ActorSystem } from "../actors/system.ts";
import type { Clock } from "./clock.ts";
import { upsertAnomalies } from "./anomaly_store.ts";
import { clearPending, storeBatch } from "./event_store.ts";
import type { Hub } from "./hub.ts";
import type { LiveFeed } from "./live_feed.ts";
import { log } from "./log.ts";
import { createParser, type RecordParser } from "./parsers/mod.ts";
import type { Anomaly, NormalisedEvent, Source } from "./schema.ts";
import { newId } from "./id.ts";

/** Stored batches that may wait for the actors at once; a further store waits (backpressure). */
const MAX_UNAPPLIED = 8;

export interface IngestInput {
  /**
   * `"applied"` (default): resolve once the events reached the actors and observers.
   * `"stored"`: resolve once they are durable (the uplink acks then); applying follows.
   */
  wait?: "applied" | "stored";
  sensor: string;
  source: Source;
  /** The uplink's batch number; with it a repeat is recognised and not counted again. */
  seq?: number;
  records: readonly unknown[];
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** Rejections by reason, e.g. `{"not_json": 2}`. */
  reasons: Record<string, number>;
  /** Well-formed lines that carry no event (sshd chatter), not counted as rejections. */
  skipped: number;
  duplicate: boolean;
  /** Newest event time in the batch (ms), null when none was accepted. */
  latestTs: number | null;
}

/**
 * Sees every stored batch after its events reached the actors: global detectors (traffic
 * spikes, campaigns, cross-source), models and data-quality measures plug in here. What it
 * returns is stored and published like any anomaly.
 */
export interface BatchObserver {
  readonly name: string;
  observe(batch: ObservedBatch): Anomaly[] | Promise<Anomaly[]>;
  /** Told of a resent uplink batch that was recognised and not stored again (optional). */
  duplicate?(batch: { sensor: string; source: Source; seq?: number }): void;
}

/** What an observer is shown of a batch. */
export interface ObservedBatch {
  sensor: string;
  source: Source;
  events: readonly NormalisedEvent[];
  rejected: Readonly<Record<string, number>>;
  /** The raw records as received (lines or objects), for format checks; index i is event id suffix i. */
  records?: readonly unknown[];
  /** The actor system, to read (not change) actor state: `actors.peek(ip)`. */
  actors: ActorSystem;
}

export interface PipelineOptions {
  kv: Deno.Kv;
  clock: Clock;
  actors: ActorSystem;
  hub: Hub;
  /** This server instance's id (one per process start). */
  instance: string;
  retentionMs: number;
  /** Carries stored anomalies to other instances' subscribers, in the same commit (lib/live_feed.ts). */
  feed?: LiveFeed;
}

/** Counters for /metrics and the data-quality views. */
export interface PipelineStats {
  batches: number;
  duplicates: number;
  accepted: number;
  rejected: Record<string, number>;
  skipped: number;
  anomalies: number;
}

export class Pipeline {
  readonly #o: PipelineOptions;
  readonly #parsers = new Map<string, RecordParser>();
  /** The sensors' dedup marks as this instance last committed them (see `storeBatch`). */
  readonly #marks = new Map<string, Deno.KvEntryMaybe<{ seq: number }>>();
  #batch = 0;
  readonly #inFlight = new Set<number>();
  readonly #observers: BatchObserver[] = [];
  #applied: Promise<void> = Promise.resolve();
  #unapplied = 0;
  /** Settles when every batch stored so far has finished applying and emitting. */
  #done: Promise<void> = Promise.resolve();
  /** The chain of anomaly stores and publishes: one order for KV and the live hub. */
  #emitted: Promise<void> = Promise.resolve();
  /** Adds facts to anomalies before they are stored and published (enrichment, lib/enrich/). */
  decorate: ((anomalies: readonly Anomaly[]) => Anomaly[]) | null = null;
  readonly stats: PipelineStats = {
    batches: 0,
    duplicates: 0,
    accepted: 0,
    rejected: {},
    skipped: 0,
    anomalies: 0,
  };

  constructor(options: PipelineOptions) {
    this.#o = options;
    options.actors.onAnomalies = (a) => this.#emit(a);
    options.actors.onRaised = (a) => void this.#emit(a);
  }

  /** Add an observer of every stored batch (in registration order). */
  addObserver(o: BatchObserver): void {
    this.#observers.push(o);
  }

  /**
   * Ingest raw records; resolves once they are durable and (unless `wait: "stored"`) applied
   * to the actors and observers.
   */
  async ingest(input: IngestInput): Promise<IngestResult> {
    const parser = this.#parser(input.sensor, input.source);
    const events: NormalisedEvent[] = [];
    const reasons: Record<string, number> = {};
    let rejected = 0;
    let skipped = 0;
    // Ids are deterministic per (sensor, seq) so a resent batch overwrites the same keys.
    const prefix = input.seq !== undefined
      ? `${input.sensor}.${input.seq}.`
      : `${input.sensor}.h${newId(this.#o.clock.now())}.`;
    for (let i = 0; i < input.records.length; i++) {
      const r = parser.parse(input.records[i]);
      if (r.ok === true) {
        events.push({ ...r.event, id: prefix + i });
      } else if (r.ok === "skip") {
        skipped++;
      } else {
        rejected++;
        reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
        if (rejected === 1) {
          log.debug("rejected record", { sensor: input.sensor, reason: r.reason, detail: r.detail });
        }
      }
    }
    // Backpressure: at most MAX_UNAPPLIED batches may be stored and still waiting for the actors.
    while (this.#unapplied >= MAX_UNAPPLIED) await this.#done;
    const batch = ++this.#batch;
    this.#inFlight.add(batch);
    // Batches reach the actors in the order their numbers were handed out, whatever order
    // their stores finish in: an actor's marks (crash recovery) assume increasing batches.
    const previous = this.#applied;
    const { promise: applied, resolve: appliedDone } = Promise.withResolvers<void>();
    // The chain settles only when this batch and every earlier one have been applied.
    this.#applied = Promise.all([previous, applied]).then(() => {});
    let outcome;
    try {
      outcome = await storeBatch(this.#o.kv, {
        marks: this.#marks,
        sensor: input.sensor,
        seq: input.seq,
        events,
        rejected,
        instance: this.#o.instance,
        batch,
        retentionMs: this.#o.retentionMs,
      });
    } catch (e) {
      appliedDone();
      this.#inFlight.delete(batch);
      throw e;
    }
    this.stats.batches++;
    if (outcome === "duplicate") {
      appliedDone();
      this.#inFlight.delete(batch);
      this.stats.duplicates++;
      for (const o of this.#observers) {
        o.duplicate?.({ sensor: input.sensor, source: input.source, seq: input.seq });
      }
      return { accepted: 0, rejected: 0, reasons: {}, skipped: 0, duplicate: true, latestTs: null };
    }
    this.stats.accepted += events.length;
    this.stats.skipped += skipped;
    for (const [k, n] of Object.entries(reasons)) {
      this.stats.rejected[k] = (this.stats.rejected[k] ?? 0) + n;
    }
    this.#unapplied++;
    const { promise: done, resolve: doneResolve } = Promise.withResolvers<void>();
    this.#done = Promise.all([this.#done, done]).then(() => {});
    // The batch is durable now. Applying it to the actors and observers may overlap with the
    // next batch's store; a crash before it is applied is recovered from its pending marker.
    const applying = (async () => {
      try {
        await previous;
        // The actors' anomalies are emitted by `onRaised`, in order with later updates.
        let anomalies: Anomaly[] = [];
        if (events.length > 0) await this.#o.actors.apply(events, { instance: this.#o.instance, batch });
        for (const o of this.#observers) {
          try {
            const more = await o.observe({
              sensor: input.sensor,
              source: input.source,
              events,
              rejected: reasons,
              records: input.records,
              actors: this.#o.actors,
            });
            if (more.length > 0) anomalies = anomalies.concat(more);
          } catch (e) {
            log.error("observer failed; batch kept", { observer: o.name, error: String(e) });
          }
        }
        appliedDone();
        await this.#emit(anomalies);
      } finally {
        appliedDone();
        this.#unapplied--;
        this.#inFlight.delete(batch);
        doneResolve();
      }
    })();
    if (input.wait === "stored") {
      applying.catch((e) =>
        log.error("batch stored but not applied; it is recovered at restart", { error: String(e) })
      );
    } else {
      await applying;
    }
    let latestTs: number | null = null;
    for (const e of events) if (latestTs === null || e.ts > latestTs) latestTs = e.ts;
    return { accepted: events.length, rejected, reasons, skipped, duplicate: false, latestTs };
  }

  /** Resolves when every batch stored so far has been applied and its anomalies emitted. */
  async settled(): Promise<void> {
    // `#done` settles once every batch counted in `#unapplied` has finished (a real wait,
    // never a spin on a resolved promise).
    while (this.#unapplied > 0) await this.#done;
    await this.#emitted;
  }

  /**
   * Store and publish anomalies (from ingest, flush or re-applying a delta). Enqueued at the
   * call, so anomalies are stored and published in the order they were raised; the promise
   * settles when these (and all enqueued before) are done.
   */
  #emit(anomalies: readonly Anomaly[]): Promise<void> {
    if (anomalies.length === 0) return this.#emitted;
    const list = this.decorate ? this.decorate(anomalies) : anomalies;
    this.#emitted = this.#emitted.then(async () => {
      await upsertAnomalies(this.#o.kv, list, this.#o.retentionMs, this.#o.feed);
      this.stats.anomalies += list.length;
      this.#o.hub.publishAnomalies(list);
    }).catch((e) => log.error("anomalies not stored", { error: String(e), count: list.length }));
    return this.#emitted;
  }

  /**
   * Flush actors, then drop the pending markers of batches now contained in flushed state.
   * Only batches below every batch still in flight are cleared.
   */
  async flush(): Promise<void> {
    const upto = this.#inFlight.size > 0 ? Math.min(...this.#inFlight) - 1 : this.#batch;
    await this.#o.actors.flush();
    if (upto > 0) await clearPending(this.#o.kv, this.#o.instance, upto);
  }

  /** Replay events of another (dead) instance's pending batch through the actors. */
  async replay(
    events: readonly NormalisedEvent[],
    origin: { instance: string; batch: number },
  ): Promise<void> {
    await this.#o.actors.apply(events, origin); // emitted through onRaised
    await this.#emitted;
  }

  #parser(sensor: string, source: Source): RecordParser {
    const key = `${sensor}\u0000${source}`;
    let p = this.#parsers.get(key);
    if (!p) {
      p = createParser(source, { sensor });
      this.#parsers.set(key, p);
      // Sensors are few, but names come from clients: keep the map bounded.
      if (this.#parsers.size > 1000) this.#parsers.delete(this.#parsers.keys().next().value!);
    }
    return p;
  }
}
