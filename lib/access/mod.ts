/**
 * Access control and hardening for one runtime: ingest token checks, rate limiters per sensor
 * and per client IP. Built once per runtime on first use, so routes share one set.
 */
import type { Registry } from "../metrics.ts";
import type { Runtime } from "../runtime.ts";
import { RateLimiter } from "./rate_limit.ts";
import { IngestAuth } from "./sensor_tokens.ts";

export { digestsEqual, newToken, sha256Hex } from "./secret.ts";
export { RateLimiter, type Take } from "./rate_limit.ts";
export {
  IngestAuth,
  type IngestGrant,
  issueSensorToken,
  listSensorTokens,
  revokeSensorToken,
  type SensorTokenRecord,
  type SensorTokenView,
  tokenView,
} from "./sensor_tokens.ts";

/** The access-control parts of a runtime. */
export interface Access {
  ingest: IngestAuth;
  /** Events per sensor; null when `--rate-limit-sensor 0`. */
  sensorLimiter: RateLimiter | null;
  /** Requests per client IP; null when `--rate-limit-ip 0`. */
  ipLimiter: RateLimiter | null;
}

const byRuntime = new WeakMap<Runtime, Access>();

/** The runtime's access-control parts (made on first call). */
export function accessOf(rt: Runtime): Access {
  let a = byRuntime.get(rt);
  if (a) return a;
  const now = () => rt.clock.now();
  const c = rt.config;
  a = {
    ingest: new IngestAuth({
      kv: rt.kv,
      globalToken: c.ingestToken,
      configTokens: c.sensorTokens ?? {},
      now,
    }),
    sensorLimiter: c.rateLimitSensor > 0
      ? new RateLimiter({ rate: c.rateLimitSensor, burst: c.rateLimitSensor * 10, maxKeys: 10_000, now })
      : null,
    ipLimiter: c.rateLimitIp > 0
      ? new RateLimiter({ rate: c.rateLimitIp, burst: c.rateLimitIp * 10, maxKeys: 100_000, now })
      : null,
  };
  byRuntime.set(rt, a);
  accessMetrics(rt.ops.metrics, a);
  return a;
}

/** Mirror the access counters into the metrics registry at scrape time (no per-IP labels). */
function accessMetrics(registry: Registry, a: Access): void {
  const limited = registry.counter(
    "honeywatch_rate_limited_total",
    "Requests (scope=ip) and ingest batches (scope=sensor) refused by a rate limit",
    ["scope"],
  );
  const refused = registry.counter(
    "honeywatch_ingest_auth_failures_total",
    "Ingest tokens refused (reason=invalid) and open uplinks cut by a revoked token (reason=revoked)",
    ["reason"],
  );
  registry.collect(() => {
    limited.set({ scope: "ip" }, a.ipLimiter?.limited ?? 0);
    limited.set({ scope: "sensor" }, a.sensorLimiter?.limited ?? 0);
    refused.set({ reason: "invalid" }, a.ingest.stats.refused);
    refused.set({ reason: "revoked" }, a.ingest.stats.revoked);
  });
}
