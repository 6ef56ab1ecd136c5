/**
 * Operations parts of a runtime: the metrics registry and the metrics mirrored from the
 * pipeline, actors, hub, sensors and process; the data-quality tracker; the alert webhooks;
 * the retention sweep. `startRuntime` calls `startOps` once.
 */
import type { ActorSystem } from "../actors/system.ts";
import { AlertDispatcher } from "./alerts/dispatcher.ts";
import type { AlertsConfig } from "./alerts/config.ts";
import type { Clock } from "./clock.ts";
import type { Hub } from "./hub.ts";
import { holdLease, releaseLease } from "./lease.ts";
import { log } from "./log.ts";
import { Registry } from "./metrics.ts";
import type { Pipeline } from "./pipeline.ts";
import { QualityTracker } from "./quality/tracker.ts";
import { sweep, type SweepResult } from "./retention.ts";
import type { Sensors } from "./sensors.ts";

export interface OpsOptions {
  kv: Deno.Kv;
  clock: Clock;
  /** This instance's id: with it, one instance among those on the same KV runs the timed sweep (a lease). */
  instance?: string;
  pipeline: Pipeline;
  actors: ActorSystem;
  hub: Hub;
  sensors: Sensors;
  retentionMs: number;
  actorTtlMs: number;
  /** Sweep period; 0 turns the sweep off. */
  sweepMs?: number;
  qualityWindowMs?: number;
  silenceMs?: number;
  alerts?: AlertsConfig;
}

export interface Ops {
  metrics: Registry;
  quality: QualityTracker;
  alerts: AlertDispatcher | null;
  /** Run a retention sweep now (the timer does it every `sweepMs`). */
  sweep(): Promise<SweepResult>;
  close(): Promise<void>;
}

/** Build the registry, register the quality observer, start alerts and the sweep timer. */
export function startOps(o: OpsOptions): Ops {
  const metrics = new Registry();
  const quality = new QualityTracker({
    clock: o.clock,
    windowMs: o.qualityWindowMs,
    silenceMs: o.silenceMs,
    metrics,
  });
  o.pipeline.addObserver(quality);
  const stopMetrics = registerRuntimeMetrics(metrics, o);
  const alerts = o.alerts && o.alerts.webhooks.length > 0
    ? new AlertDispatcher({ hub: o.hub, clock: o.clock, config: o.alerts, metrics })
    : null;

  const deleted = metrics.counter(
    "honeywatch_retention_deleted_total",
    "Entries deleted by the retention sweep, by kind",
    ["kind"],
  );
  const stored = metrics.gauge("honeywatch_actors_stored", "Actors in KV, as counted by the last sweep");
  const lastSweep = metrics.gauge(
    "honeywatch_retention_last_sweep_timestamp_seconds",
    "When the last retention sweep finished",
  );
  let sweeping: Promise<SweepResult> | null = null;
  const runSweep = (): Promise<SweepResult> => {
    sweeping ??= sweep({ kv: o.kv, clock: o.clock, retentionMs: o.retentionMs, actorTtlMs: o.actorTtlMs })
      .then((r) => {
        deleted.inc({ kind: "event" }, r.events);
        deleted.inc({ kind: "anomaly" }, r.anomalies);
        deleted.inc({ kind: "actor" }, r.actors);
        deleted.inc({ kind: "aggregate" }, r.other);
        deleted.inc({ kind: "ttylog" }, r.ttylogs);
        stored.set(undefined, r.actorsStored);
        lastSweep.set(undefined, Math.round(o.clock.now() / 1000));
        if (r.events + r.anomalies + r.actors + r.other + r.ttylogs > 0) {
          log.info("retention sweep", { ...r });
        }
        return r;
      })
      .finally(() => (sweeping = null));
    return sweeping;
  };
  const sweepMs = o.sweepMs ?? 0;
  const timedSweep = async () => {
    if (o.instance && !(await holdLease(o.kv, "sweep", o.instance, 1.5 * sweepMs, o.clock.now()))) return;
    await runSweep();
  };
  let ticking: Promise<void> = Promise.resolve();
  const sweepTimer = sweepMs
    ? setInterval(() => {
      ticking = timedSweep().catch((e) => log.error("retention sweep failed", { error: String(e) }));
    }, sweepMs)
    : undefined;

  return {
    metrics,
    quality,
    alerts,
    sweep: runSweep,
    async close() {
      clearInterval(sweepTimer);
      await ticking;
      await sweeping?.catch(() => {});
      if (o.instance && sweepMs) await releaseLease(o.kv, "sweep", o.instance).catch(() => {});
      await alerts?.close();
      stopMetrics();
    },
  };
}

/** Mirror the counters the runtime keeps (pipeline, actors, hub, sensors) and process memory. */
function registerRuntimeMetrics(m: Registry, o: OpsOptions): () => void {
  const c = (name: string, help: string, labels: string[] = []) => m.counter(name, help, labels);
  const g = (name: string, help: string, labels: string[] = []) => m.gauge(name, help, labels);
  const batches = c("honeywatch_ingest_batches_total", "Batches received (HTTP posts and uplink frames)");
  const dupBatches = c("honeywatch_ingest_duplicate_batches_total", "Uplink batches recognised as repeats");
  const skipped = c("honeywatch_ingest_skipped_total", "Well-formed lines that carry no event");
  const anomalyUpserts = c("honeywatch_anomaly_writes_total", "Anomalies stored (raised or updated)");
  const flushes = c("honeywatch_actor_flushes_total", "Write-behind flushes of actor state");
  const commits = c("honeywatch_actor_flush_commits_total", "Atomic commits made by actor flushes");
  const conflicts = c(
    "honeywatch_actor_flush_conflicts_total",
    "Actor commits that failed their versionstamp check and were re-applied",
  );
  const passivated = c("honeywatch_actors_passivated_total", "Actors written and dropped from memory");
  const activated = c("honeywatch_actors_activated_total", "Actors loaded into memory");
  const inMemory = g("honeywatch_actors_in_memory", "Actors held in memory");
  const published = c("honeywatch_hub_published_total", "Live messages published");
  const dropped = c("honeywatch_hub_dropped_total", "Live messages dropped from full subscriber queues");
  const subscribers = g("honeywatch_hub_subscribers", "Live subscribers (SSE, WebSocket, webhooks)");
  const firings = c(
    "honeywatch_detector_firings_total",
    "Anomalies raised (first publication of an id), by type and severity",
    ["type", "severity"],
  );
  const updates = c("honeywatch_detector_updates_total", "Updates of open anomalies published, by type", [
    "type",
  ]);
  const drift = c(
    "honeywatch_model_drift_total",
    "Drift detections, by change detector (adwin, page_hinkley)",
    ["model"],
  );
  const connected = g("honeywatch_sensor_connected", "1 when the sensor's uplink is connected", ["sensor"]);
  const lagBytes = g("honeywatch_sensor_lag_bytes", "Bytes of log the collector has not read yet", [
    "sensor",
  ]);
  const spoolBytes = g("honeywatch_sensor_spool_bytes", "Bytes in the collector's disk spool", ["sensor"]);
  const eventAge = g(
    "honeywatch_sensor_last_event_age_seconds",
    "Server clock minus the newest event time of the sensor",
    ["sensor"],
  );
  const rss = g("honeywatch_process_resident_memory_bytes", "Resident set size");
  const heap = g("honeywatch_process_heap_used_bytes", "V8 heap in use");
  const heapTotal = g("honeywatch_process_heap_total_bytes", "V8 heap reserved");
  const external = g("honeywatch_process_external_memory_bytes", "Memory outside the V8 heap (buffers)");
  const uptime = g("honeywatch_process_uptime_seconds", "Seconds since this runtime started");
  const started = o.clock.now();

  // Firings and drift are counted from the hub, the one place every anomaly passes.
  const seenIds = new Set<string>();
  const untap = o.hub.tap((msg) => {
    const d = msg.data as { id?: string; type: string; severity: string; detector?: string };
    if (msg.event === "drift") {
      // The change detector (adwin, page_hinkley): a closed set, unlike the stream names.
      drift.inc({ model: d.detector ?? d.type });
      return;
    }
    if (d.id && !seenIds.has(d.id)) {
      seenIds.add(d.id);
      if (seenIds.size > 100_000) seenIds.delete(seenIds.values().next().value!);
      firings.inc({ type: d.type, severity: d.severity });
    } else updates.inc({ type: d.type });
  });

  m.collect(async () => {
    const s = o.pipeline.stats;
    batches.set(undefined, s.batches);
    dupBatches.set(undefined, s.duplicates);
    skipped.set(undefined, s.skipped);
    anomalyUpserts.set(undefined, s.anomalies);
    const a = o.actors.stats;
    flushes.set(undefined, a.flushes);
    commits.set(undefined, a.commits);
    conflicts.set(undefined, a.conflicts);
    passivated.set(undefined, a.passivated);
    activated.set(undefined, a.activated);
    inMemory.set(undefined, o.actors.size);
    published.set(undefined, o.hub.published);
    dropped.set(undefined, o.hub.dropped);
    subscribers.set(undefined, o.hub.subscribers);
    const now = o.clock.now();
    for (const gauge of [connected, lagBytes, spoolBytes, eventAge]) gauge.reset();
    for (const v of (await o.sensors.list()).slice(0, 500)) {
      const l = { sensor: v.sensor };
      connected.set(l, v.connected ? 1 : 0);
      lagBytes.set(l, v.lagBytes);
      spoolBytes.set(l, v.spoolBytes);
      if (v.lastEventTs) eventAge.set(l, Math.max(0, Math.round((now - Date.parse(v.lastEventTs)) / 1000)));
    }
    try {
      const mem = Deno.memoryUsage();
      rss.set(undefined, mem.rss);
      heap.set(undefined, mem.heapUsed);
      heapTotal.set(undefined, mem.heapTotal);
      external.set(undefined, mem.external);
    } catch { /* not offered by this runtime (some hosted isolates) */ }
    uptime.set(undefined, Math.round((now - started) / 1000));
  });
  return untap;
}
