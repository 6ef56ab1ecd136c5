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
import { log } from "./log.ts";
import { createParser, type RecordParser } from "./parsers/mod.ts";
import type { Anomaly, NormalisedEvent, Source } from "./schema.ts";
import { newId } from "./id.ts";

export interface IngestInput {
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
  #batch = 0;
  readonly #inFlight = new Set<number>();
  readonly #observers: BatchObserver[] = [];
  #applied: Promise<void> = Promise.resolve();
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
  }

  /** Add an observer of every stored batch (in registration order). */
  addObserver(o: BatchObserver): void {
    this.#observers.push(o);
  }

  /** Ingest raw records; resolves once they are durable and applied to the actors. */
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
    const batch = ++this.#batch;
    this.#inFlight.add(batch);
    // Batches reach the actors in the order their numbers were handed out, whatever order
    // their stores finish in: an actor's marks (crash recovery) assume increasing batches.
    const previous = this.#applied;
    const { promise: applied, resolve: appliedDone } = Promise.withResolvers<void>();
    // The chain settles only when this batch and every earlier one have been applied.
    this.#applied = Promise.all([previous, applied]).then(() => {});
    try {
      const outcome = await storeBatch(this.#o.kv, {
        sensor: input.sensor,
        seq: input.seq,
        events,
        rejected,
        instance: this.#o.instance,
        batch,
        retentionMs: this.#o.retentionMs,
      });
      this.stats.batches++;
      if (outcome === "duplicate") {
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
      await previous;
      let anomalies: Anomaly[] = [];
      if (events.length > 0) {
        anomalies = await this.#o.actors.apply(events, { instance: this.#o.instance, batch });
      }
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
      let latestTs: number | null = null;
      for (const e of events) if (latestTs === null || e.ts > latestTs) latestTs = e.ts;
      return { accepted: events.length, rejected, reasons, skipped, duplicate: false, latestTs };
    } finally {
      appliedDone();
      this.#inFlight.delete(batch);
    }
  }

  /** Store and publish anomalies (from ingest or from re-applying a delta). */
  async #emit(anomalies: readonly Anomaly[]): Promise<void> {
    if (anomalies.length === 0) return;
    if (this.decorate) anomalies = this.decorate(anomalies);
    await upsertAnomalies(this.#o.kv, anomalies, this.#o.retentionMs);
    this.stats.anomalies += anomalies.length;
    this.#o.hub.publishAnomalies(anomalies);
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
    const anomalies = await this.#o.actors.apply(events, origin);
    await this.#emit(anomalies);
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
