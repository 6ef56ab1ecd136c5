/**
 * What the server knows of each sensor: connection, the collector's last heartbeat
 * (lag, spool, drops) and the latest event time. Kept in memory, written to KV on the
 * flush tick, served by `GET /api/sensors`.
 */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import type { Clock } from "./clock.ts";
import { sensorCounts, sensorSeq } from "./event_store.ts";
import { listLocked } from "./list_locked.ts";
import type { HeartbeatFrame } from "./schema.ts";
import { toIso } from "./timestamp.ts";

/** Stored per sensor. */
export interface SensorInfo {
  sensor: string;
  role?: "honeypot" | "production";
  connections: number;
  lastSeen: number;
  lastEventTs: number | null;
  lagBytes: number;
  spoolBytes: number;
  dropped: number;
  collectorRejected: Record<string, number>;
}

/** What `GET /api/sensors` answers for each sensor. */
export interface SensorView {
  sensor: string;
  role: string | null;
  connected: boolean;
  events: number;
  rejected: number;
  lastSeq: number;
  lagBytes: number;
  spoolBytes: number;
  dropped: number;
  lastEventTs: string | null;
  lastSeen: string | null;
  collectorRejected: Record<string, number>;
}

/** A heartbeat older than this means the sensor is not connected (another instance may hold it). */
const STALE_MS = 60_000;

export class Sensors {
  readonly #info = new Map<string, SensorInfo>();
  readonly #dirty = new Set<string>();
  constructor(private readonly kv: Deno.Kv, private readonly clock: Clock) {}

  #get(sensor: string): SensorInfo {
    let i = this.#info.get(sensor);
    if (!i) {
      i = {
        sensor,
        connections: 0,
        lastSeen: this.clock.now(),
        lastEventTs: null,
        lagBytes: 0,
        spoolBytes: 0,
        dropped: 0,
        collectorRejected: {},
      };
      this.#info.set(sensor, i);
    }
    return i;
  }

  connected(sensor: string, role?: "honeypot" | "production"): void {
    const i = this.#get(sensor);
    i.connections++;
    if (role) i.role = role;
    this.#touch(i);
  }

  /** The role the sensor declared in its hello, if any. */
  role(sensor: string): "honeypot" | "production" | undefined {
    return this.#info.get(sensor)?.role;
  }

  disconnected(sensor: string): void {
    const i = this.#get(sensor);
    i.connections = Math.max(0, i.connections - 1);
    this.#touch(i);
  }

  heartbeat(sensor: string, hb: HeartbeatFrame): void {
    const i = this.#get(sensor);
    if (hb.lagBytes !== undefined) i.lagBytes = hb.lagBytes;
    if (hb.spoolBytes !== undefined) i.spoolBytes = hb.spoolBytes;
    if (hb.dropped !== undefined) i.dropped = hb.dropped;
    if (hb.rejected) i.collectorRejected = hb.rejected;
    this.#touch(i);
  }

  /** Note the newest event time of a batch. */
  events(sensor: string, latestTs: number): void {
    const i = this.#get(sensor);
    if (i.lastEventTs === null || latestTs > i.lastEventTs) i.lastEventTs = latestTs;
    this.#touch(i);
  }

  #touch(i: SensorInfo): void {
    i.lastSeen = this.clock.now();
    this.#dirty.add(i.sensor);
  }

  /** Write changed sensors to KV. */
  async persist(): Promise<void> {
    if (this.#dirty.size === 0) return;
    const op = this.kv.atomic();
    for (const s of this.#dirty) op.set(keys.sensorInfo(s), this.#info.get(s)!);
    this.#dirty.clear();
    await retryLocked(() => op.commit());
  }

  /** Every sensor known in KV or in memory, with its counts. */
  async list(): Promise<SensorView[]> {
    const all = new Map<string, SensorInfo>();
    for await (const e of listLocked<SensorInfo>(this.kv, { prefix: keys.sensorInfoPrefix() })) {
      all.set(e.value.sensor, e.value);
    }
    for (const [k, v] of this.#info) all.set(k, v);
    const now = this.clock.now();
    const out: SensorView[] = [];
    for (const i of [...all.values()].sort((a, b) => a.sensor.localeCompare(b.sensor))) {
      const [counts, lastSeq] = await Promise.all([
        sensorCounts(this.kv, i.sensor),
        sensorSeq(this.kv, i.sensor),
      ]);
      out.push({
        sensor: i.sensor,
        role: i.role ?? null,
        connected: i.connections > 0 && (this.#info.has(i.sensor) || now - i.lastSeen < STALE_MS),
        events: counts.events,
        rejected: counts.rejected,
        lastSeq,
        lagBytes: i.lagBytes,
        spoolBytes: i.spoolBytes,
        dropped: i.dropped,
        lastEventTs: i.lastEventTs === null ? null : toIso(i.lastEventTs),
        lastSeen: toIso(i.lastSeen),
        collectorRejected: i.collectorRejected,
      });
    }
    return out;
  }
}
