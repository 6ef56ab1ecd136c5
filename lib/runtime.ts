/**
 * The running parts of a server instance, wired together: actor system, pipeline, hub,
 * sensors, and the timers that flush, passivate and stamp liveness. `main.ts` and tests
 * build one with `startRuntime` and pass it to `createApp`.
 */
import { keys } from "../actors/keys.ts";
import { loadKnown, saveKnown } from "../actors/known.ts";
import { ActorSystem } from "../actors/system.ts";
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { buildDetectors, type Detector } from "./detectors/mod.ts";
import { Hub } from "./hub.ts";
import { campaignObserver, CampaignTracker, warmCampaigns } from "./campaigns/mod.ts";
import { crossSource } from "./cross_source.ts";
import { newId } from "./id.ts";
import { holdLease, releaseLease } from "./lease.ts";
import { LiveFeed, liveFeedMetrics } from "./live_feed.ts";
import { log } from "./log.ts";
import { OnlineModels } from "./online/mod.ts";
import { type Ops, startOps } from "./ops.ts";
import { createEnricher, type Enricher, enrichmentMetrics } from "./enrich/mod.ts";
import { Pipeline } from "./pipeline.ts";
import { dropInstance, INSTANCE_STAMP_MS, recoverPending, stampInstance } from "./recovery.ts";
import { Sensors } from "./sensors.ts";
import { RateMeter, StatsAggregator } from "./stats.ts";

/** The parts of the configuration the runtime uses. */
export type RuntimeConfig =
  & Pick<
    Config,
    | "ingestToken"
    | "flushMs"
    | "retentionMs"
    | "actorTtlMs"
    | "maxActors"
    | "idleMs"
    | "detectors"
    | "sensorRoles"
    | "alerts"
    | "sweepMs"
    | "qualityWindowMs"
    | "silenceMs"
    | "readToken"
    | "adminToken"
    | "rateLimitIp"
    | "rateLimitSensor"
    | "maxFrameBytes"
    | "maxBodyBytes"
    | "wsIdleTimeoutS"
    | "sensorTokens"
    | "enrichment"
  >
  & Partial<Pick<Config, "uiToken" | "publicView" | "kvPath">>;

export interface Runtime {
  kv: Deno.Kv;
  clock: Clock;
  config: Readonly<RuntimeConfig>;
  instance: string;
  startedAt: number;
  actors: ActorSystem;
  pipeline: Pipeline;
  hub: Hub;
  /** Carries this instance's anomalies and drift to the others on the same KV, and theirs here. */
  feed: LiveFeed;
  sensors: Sensors;
  /** Stored events per second (wall clock), fed by the stats observer. */
  meter: RateMeter;
  /** The rule detectors the actors run (for `/api/predict`). */
  detectors: readonly Detector[];
  /** Online models (unusual, traffic_spike, drift); checkpointed to KV. */
  models: OnlineModels;
  /** Campaigns across IPs (`campaignOf(ip)`, `list()`), fed by its pipeline observer. */
  campaigns: CampaignTracker;
  /** Metrics registry, data quality, alert webhooks and the retention sweep (lib/ops.ts). */
  ops: Ops;
  /** GeoIP/ASN, reputation lists and online providers for source IPs (lib/enrich/). */
  enricher: Enricher;
  /** Flush actors and sensors now (tests call this; the timer does it every flushMs). */
  flush(): Promise<void>;
  /** Stop timers, flush everything; the KV handle stays open (its owner closes it). */
  close(): Promise<void>;
}

/** How often the known-IPs filter is saved (wall clock); also on close. */
const KNOWN_SAVE_MS = 30_000;

/** How often the online models are checkpointed to KV (wall clock); also on close. */
const MODEL_CHECKPOINT_MS = 60_000;

/**
 * How often the live feed also reads its head (ms). On a local KV file SQLite's `kv.watch`
 * sees the isolates of this process, not other processes on the file: poll often. Over KV
 * Connect (`denokv`) the watch should deliver; a slow poll is the safety net. Deploy's hosted
 * KV (no path) and `:memory:` rely on the watch alone.
 */
function feedPollMs(kvPath: string | undefined): number {
  if (kvPath === undefined || kvPath === ":memory:") return 0;
  return /^https?:\/\//i.test(kvPath) ? 1000 : 250;
}

/** Build and start a runtime on an open KV. Recovers unflushed batches of dead instances first. */
export async function startRuntime(
  kv: Deno.Kv,
  config: Readonly<RuntimeConfig>,
  clock: Clock,
): Promise<Runtime> {
  const instance = newId(clock.now());
  const detectors = buildDetectors(config.detectors);
  const known = await loadKnown(kv, keys.knownIps());
  const actors = new ActorSystem(kv, {
    clock,
    detectors,
    maxActors: config.maxActors,
    idleMs: config.idleMs,
    ttlMs: config.actorTtlMs,
    known,
  });
  const hub = new Hub();
  const feed = new LiveFeed(kv, hub, {
    instance,
    clock,
    pollMs: feedPollMs(config.kvPath),
  });
  const pipeline = new Pipeline({ kv, clock, actors, hub, instance, retentionMs: config.retentionMs, feed });
  const enricher = await createEnricher(kv, config.enrichment, () => clock.now());
  if (enricher.enabled) pipeline.decorate = enricher.decorate;
  const sensors = new Sensors(kv, clock);
  const meter = new RateMeter(clock);
  const stats = new StatsAggregator({ kv, clock, retentionMs: config.retentionMs, meter });
  pipeline.addObserver(stats);
  const models = await OnlineModels.open(kv, { retentionMs: config.retentionMs });
  pipeline.addObserver(models.observer(kv, hub, feed));
  const campaigns = new CampaignTracker();
  // Campaigns live in memory: rebuild them from the stored events of their TTL.
  await warmCampaigns(kv, campaigns, clock.now() - campaigns.options.ttlMs);
  pipeline.addObserver(campaignObserver(campaigns));
  pipeline.addObserver(crossSource({ kv, roleOf: (s) => config.sensorRoles?.[s] ?? sensors.role(s) }));
  const ops = startOps({
    kv,
    clock,
    instance,
    pipeline,
    actors,
    hub,
    sensors,
    retentionMs: config.retentionMs,
    actorTtlMs: config.actorTtlMs,
    sweepMs: config.sweepMs,
    qualityWindowMs: config.qualityWindowMs,
    silenceMs: config.silenceMs,
    alerts: config.alerts,
  });
  enrichmentMetrics(ops.metrics, enricher);
  liveFeedMetrics(ops.metrics, feed);
  await stampInstance(kv, instance, clock);
  const recovered = await recoverPending(kv, pipeline, instance, clock);
  if (recovered > 0) log.info("re-applied events after an unclean stop", { events: recovered });
  await feed.start();

  let closed = false;
  let ticking: Promise<void> = Promise.resolve();
  let knownSavedAt = clock.now();
  const flush = async () => {
    await pipeline.flush();
    await sensors.persist();
    await stats.flush();
    // The known-IPs filter is a hint (see actors/known.ts): saved now and then, and on close.
    if (known.dirty && (closed || clock.now() - knownSavedAt >= KNOWN_SAVE_MS)) {
      knownSavedAt = clock.now();
      await saveKnown(kv, keys.knownIps(), known);
    }
  };
  const tick = () => {
    ticking = ticking.then(flush).catch((e) => log.error("flush failed", { error: String(e) }));
  };
  const flushTimer = setInterval(tick, config.flushMs);
  const idleTimer = setInterval(() => {
    ticking = ticking.then(async () => {
      await actors.passivateIdle();
    }).catch((e) => log.error("passivation failed", { error: String(e) }));
  }, Math.max(1000, Math.min(config.idleMs, 30_000)));
  const stampTimer = setInterval(() => {
    stampInstance(kv, instance, clock).catch((e) => log.warn("liveness stamp failed", { error: String(e) }));
  }, INSTANCE_STAMP_MS);
  // Several instances on one KV each learn from their share of the stream; one of them (the
  // lease holder) checkpoints, so their saves do not collide every minute.
  const saveModels = () =>
    holdLease(kv, "models", instance, 2 * MODEL_CHECKPOINT_MS, clock.now())
      .then((mine) => mine ? models.save(kv, clock.now()) : undefined)
      .catch((e) => log.warn("model checkpoint failed", { error: String(e) }));
  const modelTimer = setInterval(() => {
    ticking = ticking.then(saveModels);
  }, MODEL_CHECKPOINT_MS);

  return {
    kv,
    clock,
    config,
    instance,
    startedAt: clock.now(),
    actors,
    pipeline,
    hub,
    feed,
    sensors,
    campaigns,
    meter,
    detectors,
    models,
    ops,
    enricher,
    flush() {
      // An explicit flush first lets every stored batch reach the actors.
      const run = ticking.then(() => pipeline.settled()).then(flush);
      ticking = run.catch(() => {});
      return run;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(flushTimer);
      clearInterval(idleTimer);
      clearInterval(stampTimer);
      clearInterval(modelTimer);
      await ops.close();
      enricher.close();
      await ticking.catch(() => {});
      await pipeline.settled();
      await flush();
      await saveModels();
      await actors.close();
      await feed.close();
      await releaseLease(kv, "models", instance).catch(() => {});
      await dropInstance(kv, instance);
    },
  };
}
