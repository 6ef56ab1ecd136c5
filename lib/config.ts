/**
 * Configuration: command-line flags over environment variables over defaults, parsed once
 * into a frozen object. Later code never reads Deno.env.
 */
import { parseArgs } from "node:util";
import { type AlertsConfig, parseAlertsConfig } from "./alerts/config.ts";
import { buildDetectors } from "./detectors/mod.ts";
import { parseDuration } from "./duration.ts";
import type { Level } from "./log.ts";

export interface Config {
  port: number;
  hostname: string;
  /** KV path; ":memory:" for a throw-away store; undefined on Deno Deploy (hosted KV). */
  kvPath: string | undefined;
  /** Ingest token every sensor presents (Authorization: Bearer / hello.token). */
  ingestToken: string;
  /** True when no token was configured and one was generated at start. */
  ingestTokenGenerated: boolean;
  demo: boolean;
  demoRate: number;
  /** Bearer token for reading the API (`--read-token`); none: reads are open. */
  readToken?: string;
  /** Bearer token for feedback and token management (`--admin-token`). */
  adminToken?: string;
  /** When set, pages and read APIs need a login with this token (`--ui-token`). */
  uiToken?: string;
  /** Serve the redacted public view at `/public` (`--public-view`). */
  publicView: boolean;
  /** Requests a second per client IP (token bucket, burst 10x); 0 turns it off. */
  rateLimitIp: number;
  /** Events a second per sensor (token bucket, burst 10x); 0 turns it off. */
  rateLimitSensor: number;
  /** Largest WebSocket ingest frame, bytes. */
  maxFrameBytes: number;
  /** Largest HTTP ingest body, bytes. */
  maxBodyBytes: number;
  /** WebSocket idle timeout (ingest and subscribe), seconds. */
  wsIdleTimeoutS: number;
  /** SHA-256 (hex) of per-sensor ingest tokens from the config file's `sensorTokens` section. */
  sensorTokens: Readonly<Record<string, string>>;
  /** Optional enrichment of source IPs (lib/enrich/). */
  enrichment: Readonly<EnrichmentConfig>;
  logLevel: Level;
  flushMs: number;
  retentionMs: number;
  actorTtlMs: number;
  maxActors: number;
  idleMs: number;
  /** Raw detectors section, validated by the detector registry. */
  detectors: Record<string, unknown>;
  /** The `alerts` section of the config file (webhooks), validated. */
  alerts: AlertsConfig;
  /** Retention sweep period; 0 when off. */
  sweepMs: number;
  /** Sliding window of the data-quality measures. */
  qualityWindowMs: number;
  /** Silence after which a sensor has a gap. */
  silenceMs: number;
  /** Sensor roles from the config file's `sensors` section (`{"web1": "production"}`). */
  sensorRoles?: Readonly<Record<string, "honeypot" | "production">>;
}

/** Where enrichment data comes from; every part is optional and off by default. */
export interface EnrichmentConfig {
  /** MaxMind-format (.mmdb) City or Country database. */
  geoipDb?: string;
  /** MaxMind-format (.mmdb) ASN database. */
  asnDb?: string;
  /** Offline CIDR lists (FireHOL .netset/.ipset, Spamhaus DROP), named after the file. */
  reputationLists: readonly string[];
  abuseipdbKey?: string;
  abuseipdbUrl: string;
  greynoiseKey?: string;
  greynoiseUrl: string;
  /** Online lookups per minute, all providers together. */
  lookupsPerMinute: number;
  /** How long an online answer is cached in KV. */
  cacheTtlMs: number;
}

/** Thrown for a bad flag, variable or config file; the message says which and why. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Options and the variable each can also come from. */
export const OPTIONS = {
  port: { env: "PORT", type: "string" },
  host: { env: "HONEYWATCH_HOST", type: "string" },
  kv: { env: "HONEYWATCH_KV", type: "string" },
  "ingest-token": { env: "HONEYWATCH_INGEST_TOKEN", type: "string" },
  demo: { env: "HONEYWATCH_DEMO", type: "boolean" },
  "demo-rate": { env: "HONEYWATCH_DEMO_RATE", type: "string" },
  "log-level": { env: "HONEYWATCH_LOG_LEVEL", type: "string" },
  "flush-interval": { env: "HONEYWATCH_FLUSH_INTERVAL", type: "string" },
  retention: { env: "HONEYWATCH_RETENTION", type: "string" },
  "max-actors": { env: "HONEYWATCH_MAX_ACTORS", type: "string" },
  "idle-after": { env: "HONEYWATCH_IDLE_AFTER", type: "string" },
  "actor-retention": { env: "HONEYWATCH_ACTOR_RETENTION", type: "string" },
  "sweep-interval": { env: "HONEYWATCH_SWEEP_INTERVAL", type: "string" },
  "quality-window": { env: "HONEYWATCH_QUALITY_WINDOW", type: "string" },
  "silence-after": { env: "HONEYWATCH_SILENCE_AFTER", type: "string" },
  config: { env: "HONEYWATCH_CONFIG", type: "string" },
  "read-token": { env: "HONEYWATCH_READ_TOKEN", type: "string" },
  "admin-token": { env: "HONEYWATCH_ADMIN_TOKEN", type: "string" },
  "ui-token": { env: "HONEYWATCH_UI_TOKEN", type: "string" },
  "public-view": { env: "HONEYWATCH_PUBLIC_VIEW", type: "boolean" },
  "rate-limit-ip": { env: "HONEYWATCH_RATE_LIMIT_IP", type: "string" },
  "rate-limit-sensor": { env: "HONEYWATCH_RATE_LIMIT_SENSOR", type: "string" },
  "max-frame-bytes": { env: "HONEYWATCH_MAX_FRAME_BYTES", type: "string" },
  "max-body-bytes": { env: "HONEYWATCH_MAX_BODY_BYTES", type: "string" },
  "ws-idle-timeout": { env: "HONEYWATCH_WS_IDLE_TIMEOUT", type: "string" },
  "geoip-db": { env: "HONEYWATCH_GEOIP_DB", type: "string" },
  "asn-db": { env: "HONEYWATCH_ASN_DB", type: "string" },
  "reputation-lists": { env: "HONEYWATCH_REPUTATION_LISTS", type: "string" },
  "abuseipdb-key": { env: "HONEYWATCH_ABUSEIPDB_KEY", type: "string" },
  "abuseipdb-url": { env: "HONEYWATCH_ABUSEIPDB_URL", type: "string" },
  "greynoise-key": { env: "HONEYWATCH_GREYNOISE_KEY", type: "string" },
  "greynoise-url": { env: "HONEYWATCH_GREYNOISE_URL", type: "string" },
  "enrich-rate": { env: "HONEYWATCH_ENRICH_RATE", type: "string" },
  "enrich-cache-ttl": { env: "HONEYWATCH_ENRICH_CACHE_TTL", type: "string" },
  help: { env: "", type: "boolean" },
} as const;

export const USAGE = `Usage: deno task start [options]

  --port N              HTTP port (env PORT; default 8000)
  --host NAME           address to listen on (env HONEYWATCH_HOST; default 0.0.0.0)
  --kv PATH             Deno KV file, or :memory: (env HONEYWATCH_KV; default ./data/honeywatch.kv)
  --ingest-token T      token sensors present (env HONEYWATCH_INGEST_TOKEN; default: generated, printed)
  --demo                run the built-in demo feed (env HONEYWATCH_DEMO=1)
  --demo-rate N         demo events per second (env HONEYWATCH_DEMO_RATE; default 20)
  --flush-interval D    write-behind period for actor state (default 1s)
  --retention D         how long events, anomalies and actors are kept (default 7d)
  --max-actors N        actors kept in memory (default 20000)
  --idle-after D        passivate actors idle this long (default 5m)
  --actor-retention D   how long an actor with no new events is kept (default: --retention)
  --sweep-interval D    how often expired events, anomalies and actors are deleted; off to disable (default 5m)
  --quality-window D    sliding window of the data-quality measures (default 1h)
  --silence-after D     a sensor silent this long has a gap (default 5m)
  --config FILE         JSON file with a "detectors" section (env HONEYWATCH_CONFIG)
  --read-token T        bearer token for reading the API (env HONEYWATCH_READ_TOKEN; default: open)
  --admin-token T       bearer token for feedback and token management (env HONEYWATCH_ADMIN_TOKEN)
  --ui-token T          pages and read APIs need a login with T (env HONEYWATCH_UI_TOKEN; default: open)
  --public-view         serve a redacted public dashboard at /public (env HONEYWATCH_PUBLIC_VIEW=1)
  --rate-limit-ip N     requests/s per client IP, burst 10x; 0 = off (env HONEYWATCH_RATE_LIMIT_IP; 50)
  --rate-limit-sensor N events/s per sensor, burst 10x; 0 = off (env HONEYWATCH_RATE_LIMIT_SENSOR; 20000)
  --max-frame-bytes N   largest WebSocket ingest frame (env HONEYWATCH_MAX_FRAME_BYTES; 8388608)
  --max-body-bytes N    largest HTTP ingest body (env HONEYWATCH_MAX_BODY_BYTES; 33554432)
  --ws-idle-timeout D   close silent WebSockets after D (env HONEYWATCH_WS_IDLE_TIMEOUT; 120s)
  --geoip-db FILE       MaxMind-format City/Country .mmdb (env HONEYWATCH_GEOIP_DB)
  --asn-db FILE         MaxMind-format ASN .mmdb (env HONEYWATCH_ASN_DB)
  --reputation-lists F  comma-separated FireHOL/Spamhaus CIDR list files (env HONEYWATCH_REPUTATION_LISTS)
  --abuseipdb-key K     enable AbuseIPDB lookups (env HONEYWATCH_ABUSEIPDB_KEY; off)
  --abuseipdb-url URL   AbuseIPDB API base (env HONEYWATCH_ABUSEIPDB_URL; https://api.abuseipdb.com/api/v2)
  --greynoise-key K     enable GreyNoise community lookups (env HONEYWATCH_GREYNOISE_KEY; off)
  --greynoise-url URL   GreyNoise Community API base (env HONEYWATCH_GREYNOISE_URL; https://api.greynoise.io/v3/community)
  --enrich-rate N       online lookups per minute, all providers (env HONEYWATCH_ENRICH_RATE; 30)
  --enrich-cache-ttl D  how long online answers are cached in KV (env HONEYWATCH_ENRICH_CACHE_TTL; 24h)
  --log-level L         debug, info, warn or error (default info)`;

/** Parse flags and environment into a frozen config. */
export function loadConfig(
  args: string[],
  env: Record<string, string | undefined>,
  readFile: (path: string) => string = Deno.readTextFileSync,
): Readonly<Config> & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(Object.entries(OPTIONS).map(([k, v]) => [k, { type: v.type }])),
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}\n\n${USAGE}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const get = (name: keyof typeof OPTIONS): string | boolean | undefined => {
    if (values[name] !== undefined) return values[name];
    const envName = OPTIONS[name].env;
    const v = envName ? env[envName] : undefined;
    if (v === undefined || v === "") return undefined;
    return OPTIONS[name].type === "boolean" ? !/^(0|false|no|off)$/i.test(v) : v;
  };
  const int = (name: keyof typeof OPTIONS, def: number, min: number, max: number): number => {
    const v = get(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(
        `Invalid --${name}: ${JSON.stringify(v)} must be an integer from ${min} to ${max}`,
      );
    }
    return n;
  };
  const dur = (name: keyof typeof OPTIONS, def: number): number => {
    const v = get(name);
    if (v === undefined) return def;
    const ms = parseDuration(String(v));
    if (ms === null || ms <= 0) {
      throw new ConfigError(
        `Invalid --${name}: ${JSON.stringify(v)} must be a duration such as "500ms", "30s", "5m" or "7d"`,
      );
    }
    return ms;
  };
  const level = (get("log-level") ?? "info") as string;
  if (!["debug", "info", "warn", "error"].includes(level)) {
    throw new ConfigError(`Invalid --log-level: ${JSON.stringify(level)} must be debug, info, warn or error`);
  }
  const onDeploy = env.DENO_DEPLOYMENT_ID !== undefined;
  const kvFlag = get("kv") as string | undefined;
  const token = get("ingest-token") as string | undefined;
  if (token !== undefined && token.length < 8) {
    throw new ConfigError(`Invalid --ingest-token: must be at least 8 characters (got ${token.length})`);
  }
  let detectors: Record<string, unknown> = {};
  let alerts: AlertsConfig = { webhooks: [] };
  const sensorTokens: Record<string, string> = {};
  const secret = (name: "read-token" | "admin-token" | "ui-token" | "abuseipdb-key" | "greynoise-key") => {
    const v = get(name) as string | undefined;
    if (v !== undefined && name.endsWith("token") && v.length < 16) {
      throw new ConfigError(`Invalid --${name}: must be at least 16 characters (got ${v.length})`);
    }
    return v;
  };
  const opt = (name: keyof typeof OPTIONS) => get(name) as string | undefined;
  const sensorRoles: Record<string, "honeypot" | "production"> = {};
  const file = get("config") as string | undefined;
  if (file) {
    let json: unknown;
    try {
      json = JSON.parse(readFile(file));
    } catch (e) {
      throw new ConfigError(`Cannot read config file ${JSON.stringify(file)}: ${(e as Error).message}`);
    }
    const st = (json as { sensorTokens?: unknown })?.sensorTokens ?? {};
    if (typeof st !== "object" || st === null || Array.isArray(st)) {
      throw new ConfigError(`Invalid config file ${JSON.stringify(file)}: "sensorTokens" must be an object`);
    }
    for (const [name, v] of Object.entries(st)) {
      const sha = (v as { tokenSha256?: unknown })?.tokenSha256;
      if (typeof sha !== "string" || !/^[0-9a-fA-F]{64}$/.test(sha)) {
        throw new ConfigError(
          `Invalid config file ${JSON.stringify(file)}: sensorTokens.${name}.tokenSha256 is ` +
            `${JSON.stringify(sha)}, must be 64 hex digits (sha256sum of the token)`,
        );
      }
      sensorTokens[name] = sha.toLowerCase();
    }
    const d = (json as { detectors?: unknown })?.detectors ?? {};
    if (typeof d !== "object" || d === null || Array.isArray(d)) {
      throw new ConfigError(`Invalid config file ${JSON.stringify(file)}: "detectors" must be an object`);
    }
    detectors = d as Record<string, unknown>;
    try {
      alerts = parseAlertsConfig((json as { alerts?: unknown })?.alerts);
    } catch (e) {
      throw new ConfigError(`Invalid config file ${JSON.stringify(file)}: ${(e as Error).message}`);
    }
    const roles = (json as { sensors?: unknown })?.sensors ?? {};
    if (typeof roles !== "object" || roles === null || Array.isArray(roles)) {
      throw new ConfigError(`Invalid config file ${JSON.stringify(file)}: "sensors" must be an object`);
    }
    for (const [name, role] of Object.entries(roles)) {
      if (role !== "honeypot" && role !== "production") {
        throw new ConfigError(
          `Invalid config file ${JSON.stringify(file)}: sensor ${JSON.stringify(name)} has role ` +
            `${JSON.stringify(role)}, must be "honeypot" or "production"`,
        );
      }
      sensorRoles[name] = role;
    }
  }
  try {
    buildDetectors(detectors); // validate now, with the message the registry gives
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  return Object.freeze({
    port: int("port", 8000, 0, 65535),
    hostname: (get("host") as string | undefined) ?? "0.0.0.0",
    kvPath: kvFlag ?? (onDeploy ? undefined : "./data/honeywatch.kv"),
    ingestToken: token ?? crypto.randomUUID().replaceAll("-", ""),
    ingestTokenGenerated: token === undefined,
    demo: get("demo") === true,
    demoRate: int("demo-rate", 20, 1, 100_000),
    logLevel: level as Level,
    flushMs: dur("flush-interval", 1000),
    retentionMs: dur("retention", 7 * 86_400_000),
    actorTtlMs: dur("actor-retention", dur("retention", 7 * 86_400_000)),
    maxActors: int("max-actors", 20_000, 100, 10_000_000),
    idleMs: dur("idle-after", 5 * 60_000),
    alerts: Object.freeze(alerts),
    sweepMs: /^(off|0)$/i.test(String(get("sweep-interval") ?? "")) ? 0 : dur("sweep-interval", 5 * 60_000),
    qualityWindowMs: dur("quality-window", 3_600_000),
    silenceMs: dur("silence-after", 5 * 60_000),
    readToken: secret("read-token"),
    adminToken: secret("admin-token"),
    uiToken: secret("ui-token"),
    publicView: get("public-view") === true,
    rateLimitIp: int("rate-limit-ip", 50, 0, 1_000_000),
    rateLimitSensor: int("rate-limit-sensor", 20_000, 0, 100_000_000),
    maxFrameBytes: int("max-frame-bytes", 8 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    maxBodyBytes: int("max-body-bytes", 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    wsIdleTimeoutS: Math.max(1, Math.round(dur("ws-idle-timeout", 120_000) / 1000)),
    sensorTokens: Object.freeze(sensorTokens),
    enrichment: Object.freeze({
      geoipDb: opt("geoip-db"),
      asnDb: opt("asn-db"),
      reputationLists: Object.freeze(
        (opt("reputation-lists") ?? "").split(",").map((f) => f.trim()).filter(Boolean),
      ),
      abuseipdbKey: secret("abuseipdb-key"),
      abuseipdbUrl: opt("abuseipdb-url") ?? "https://api.abuseipdb.com/api/v2",
      greynoiseKey: secret("greynoise-key"),
      greynoiseUrl: opt("greynoise-url") ?? "https://api.greynoise.io/v3/community",
      lookupsPerMinute: int("enrich-rate", 30, 1, 100_000),
      cacheTtlMs: dur("enrich-cache-ttl", 86_400_000),
    }),
    detectors: Object.freeze(detectors),
    sensorRoles: Object.freeze(sensorRoles),
    help: values.help === true,
  });
}
