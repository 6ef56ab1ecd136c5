/**
 * Per-sensor ingest tokens. Only a SHA-256 of each token is stored (in KV, or in the config
 * file's `sensors` section); the token itself is shown once, when it is issued. A token is
 * bound to its sensor name: a stolen one can send events as that sensor only, and revoking
 * it cuts that sensor off at its next batch.
 */
import { keys } from "../../actors/keys.ts";
import { retryLocked } from "../../actors/store.ts";
import { toIso } from "../timestamp.ts";
import { digestsEqual, newToken, sha256Hex } from "./secret.ts";

/** What is stored under `["sensor_token", sensor]`. */
export interface SensorTokenRecord {
  sensor: string;
  sha256: string;
  created: number;
  revoked: boolean;
  revokedAt?: number;
}

/** A token record as the admin API shows it (never the hash). */
export interface SensorTokenView {
  sensor: string;
  created: string;
  revoked: boolean;
  revokedAt: string | null;
  source: "kv" | "config";
}

/** Issue (or replace) the token of `sensor`; returns the token, which is not stored. */
export async function issueSensorToken(kv: Deno.Kv, sensor: string, now: number): Promise<string> {
  const token = newToken();
  const rec: SensorTokenRecord = { sensor, sha256: await sha256Hex(token), created: now, revoked: false };
  await retryLocked(() => kv.set(keys.sensorToken(sensor), rec));
  return token;
}

/** Revoke the token of `sensor`; false when it has none. */
export async function revokeSensorToken(kv: Deno.Kv, sensor: string, now: number): Promise<boolean> {
  const e = await retryLocked(() => kv.get<SensorTokenRecord>(keys.sensorToken(sensor)));
  if (!e.value) return false;
  await retryLocked(() => kv.set(keys.sensorToken(sensor), { ...e.value!, revoked: true, revokedAt: now }));
  return true;
}

/** Every token record in KV, by sensor name. */
export async function listSensorTokens(kv: Deno.Kv): Promise<SensorTokenRecord[]> {
  const out: SensorTokenRecord[] = [];
  for await (const e of kv.list<SensorTokenRecord>({ prefix: keys.sensorTokenPrefix() })) out.push(e.value);
  return out;
}

/** The admin view of a record. */
export function tokenView(r: SensorTokenRecord, source: "kv" | "config"): SensorTokenView {
  return {
    sensor: r.sensor,
    created: toIso(r.created),
    revoked: r.revoked,
    revokedAt: r.revokedAt === undefined ? null : toIso(r.revokedAt),
    source,
  };
}

/** How a presented token was accepted. */
export type IngestGrant = { via: "sensor"; sha256: string } | { via: "global" };

export interface IngestAuthOptions {
  kv: Deno.Kv;
  /** The global `--ingest-token`, accepted for any sensor name (the fallback). */
  globalToken: string | undefined;
  /** `sensors.NAME.tokenSha256` from the config file. */
  configTokens: Readonly<Record<string, string>>;
  now: () => number;
  /** How long a looked-up KV record is trusted before it is read again (revocation delay). */
  cacheMs?: number;
}

/**
 * Checks ingest tokens: the sensor's own token (config file or KV) first, then the global
 * token. Every comparison is of SHA-256 digests in constant time.
 */
export class IngestAuth {
  readonly #o: IngestAuthOptions;
  #globalSha: Promise<string | undefined>;
  readonly #cache = new Map<string, { rec: SensorTokenRecord | null; at: number }>();
  /** Tokens refused so far, and grants found revoked on an open connection (for metrics). */
  readonly stats = { refused: 0, revoked: 0 };

  constructor(o: IngestAuthOptions) {
    this.#o = o;
    this.#globalSha = o.globalToken ? sha256Hex(o.globalToken) : Promise.resolve(undefined);
  }

  async #record(sensor: string, fresh: boolean): Promise<SensorTokenRecord | null> {
    const now = this.#o.now();
    const c = this.#cache.get(sensor);
    if (!fresh && c && now - c.at < (this.#o.cacheMs ?? 5000)) return c.rec;
    const e = await retryLocked(() => this.#o.kv.get<SensorTokenRecord>(keys.sensorToken(sensor)));
    this.#cache.set(sensor, { rec: e.value, at: now });
    // Sensor names come from clients; keep the cache bounded.
    if (this.#cache.size > 10_000) this.#cache.delete(this.#cache.keys().next().value!);
    return e.value;
  }

  /** Accept `token` for `sensor`, or return null. */
  async verify(token: string, sensor: string): Promise<IngestGrant | null> {
    const sha = await sha256Hex(token);
    const fromConfig = this.#o.configTokens[sensor];
    if (fromConfig !== undefined && digestsEqual(sha, fromConfig.toLowerCase())) {
      return { via: "sensor", sha256: sha };
    }
    const rec = await this.#record(sensor, true);
    if (rec && !rec.revoked && digestsEqual(sha, rec.sha256)) return { via: "sensor", sha256: sha };
    const global = await this.#globalSha;
    if (global !== undefined && digestsEqual(sha, global)) return { via: "global" };
    this.stats.refused++;
    return null;
  }

  /** Is a grant given earlier still good (not revoked)? Cached for `cacheMs`. */
  async stillValid(sensor: string, grant: IngestGrant): Promise<boolean> {
    if (grant.via === "global") return true;
    const fromConfig = this.#o.configTokens[sensor];
    if (fromConfig !== undefined && digestsEqual(grant.sha256, fromConfig.toLowerCase())) return true;
    const rec = await this.#record(sensor, false);
    const ok = rec !== null && !rec.revoked && digestsEqual(grant.sha256, rec.sha256);
    if (!ok) this.stats.revoked++;
    return ok;
  }

  /** Forget cached records (after a revocation through this instance's admin API). */
  forget(sensor: string): void {
    this.#cache.delete(sensor);
  }
}
