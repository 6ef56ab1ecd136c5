/**
 * Enrichment of source IPs: offline facts (GeoIP/ASN databases, CIDR reputation lists) at
 * once, and online providers' answers from a KV cache. Online lookups never block ingest:
 * they run in the background, at most `lookupsPerMinute` (a token bucket over all
 * providers), a few at a time, never for private addresses, and their answers are cached in
 * KV (`["enrich", provider, ip]`, `expireIn` the cache ttl) so every instance shares them.
 */
import { keys } from "../../actors/keys.ts";
import { retryLocked } from "../../actors/store.ts";
import { RateLimiter } from "../access/rate_limit.ts";
import { isPrivateIp } from "../ip.ts";
import { log } from "../log.ts";
import type { Anomaly, Enrichment } from "../schema.ts";
import type { CidrList } from "./cidr_list.ts";
import type { GeoDb } from "./geoip.ts";
import type { EnrichmentProvider, ProviderFacts } from "./providers.ts";

/** A cached provider answer with the time it was fetched (local KV expires lazily). */
interface Cached {
  at: number;
  facts: ProviderFacts;
}

export interface EnricherOptions {
  kv: Deno.Kv;
  now: () => number;
  geo?: readonly GeoDb[];
  lists?: readonly CidrList[];
  providers?: readonly EnrichmentProvider[];
  lookupsPerMinute?: number;
  cacheTtlMs?: number;
  /** Per-lookup deadline. */
  timeoutMs?: number;
}

/** Lookups in flight at once, all providers together. */
const MAX_CONCURRENT = 4;
/** Queued IPs waiting for a lookup; past it new ones are dropped (and looked up next time). */
const MAX_QUEUE = 1000;

export class Enricher {
  readonly #o: EnricherOptions;
  readonly #limiter: RateLimiter;
  /** Recent provider answers in memory, so anomaly payloads get them without a KV read. */
  readonly #memory = new Map<string, Record<string, ProviderFacts>>();
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  #running = 0;
  #idle: Promise<void> = Promise.resolve();
  #idleDone: (() => void) | null = null;
  readonly #abort = new AbortController();
  /** Lookups made, answered from cache, failed, and skipped by the rate limit. */
  readonly stats = { lookups: 0, cached: 0, failed: 0, limited: 0 };

  constructor(o: EnricherOptions) {
    this.#o = o;
    const perMin = o.lookupsPerMinute ?? 30;
    this.#limiter = new RateLimiter({
      rate: perMin / 60,
      burst: Math.max(1, Math.ceil(perMin / 6)),
      now: o.now,
    });
  }

  /** True when anything is configured. */
  get enabled(): boolean {
    return (this.#o.geo?.length ?? 0) + (this.#o.lists?.length ?? 0) + (this.#o.providers?.length ?? 0) > 0;
  }

  /** Offline facts and whatever provider answers are in memory; queues online lookups. */
  now(ip: string): Enrichment | undefined {
    if (!this.enabled) return undefined;
    const e: Enrichment = {};
    for (const db of this.#o.geo ?? []) Object.assign(e, { ...db.lookup(ip), ...pick(e) });
    const lists = (this.#o.lists ?? []).filter((l) => l.has(ip)).map((l) => l.name);
    if (lists.length) e.lists = lists;
    const mem = this.#memory.get(ip);
    if (mem) e.providers = { ...mem };
    if ((this.#o.providers?.length ?? 0) > 0 && !mem) this.#enqueue(ip);
    return e;
  }

  /** Like `now`, but reads the KV cache first (for the attacker page). */
  async full(ip: string): Promise<Enrichment | undefined> {
    if (!this.enabled) return undefined;
    for (const p of this.#o.providers ?? []) await this.#fromKv(p.name, ip);
    return this.now(ip);
  }

  /** Add enrichment to anomalies that lack it (the pipeline's decorate hook). */
  readonly decorate = (anomalies: readonly Anomaly[]): Anomaly[] =>
    anomalies.map((a) => {
      if (a.enrichment || a.ip === "*") return a;
      const e = this.now(a.ip);
      return e && Object.keys(e).length > 0 ? { ...a, enrichment: e } : a;
    });

  /** Resolves when no lookup is queued or running (tests). */
  settled(): Promise<void> {
    return this.#idle;
  }

  /** Stop: queued lookups are dropped, running ones aborted. */
  close(): void {
    this.#queue.length = 0;
    this.#queued.clear();
    this.#abort.abort();
  }

  async #fromKv(provider: string, ip: string): Promise<boolean> {
    const e = await retryLocked(() => this.#o.kv.get<Cached>(keys.enrichment(provider, ip)));
    if (!e.value || this.#o.now() - e.value.at > (this.#o.cacheTtlMs ?? 86_400_000)) return false;
    this.#remember(ip, provider, e.value.facts);
    this.stats.cached++;
    return true;
  }

  #remember(ip: string, provider: string, facts: ProviderFacts): void {
    const m = this.#memory.get(ip) ?? {};
    m[provider] = facts;
    this.#memory.delete(ip);
    this.#memory.set(ip, m);
    if (this.#memory.size > 10_000) this.#memory.delete(this.#memory.keys().next().value!);
  }

  #enqueue(ip: string): void {
    if (
      isPrivateIp(ip) || this.#queued.has(ip) || this.#queue.length >= MAX_QUEUE || this.#abort.signal.aborted
    ) {
      return;
    }
    this.#queue.push(ip);
    this.#queued.add(ip);
    if (this.#idleDone === null) this.#idle = new Promise((r) => (this.#idleDone = r));
    this.#pump();
  }

  #pump(): void {
    while (this.#running < MAX_CONCURRENT && this.#queue.length > 0) {
      const ip = this.#queue.shift()!;
      this.#running++;
      this.#lookup(ip).finally(() => {
        this.#running--;
        this.#queued.delete(ip);
        this.#pump();
        if (this.#running === 0 && this.#queue.length === 0 && this.#idleDone) {
          this.#idleDone();
          this.#idleDone = null;
        }
      });
    }
  }

  async #lookup(ip: string): Promise<void> {
    for (const p of this.#o.providers ?? []) {
      try {
        if (await this.#fromKv(p.name, ip)) continue;
        if (!this.#limiter.take("all").ok) {
          this.stats.limited++;
          continue; // looked up again the next time the IP shows up
        }
        this.stats.lookups++;
        const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#o.timeoutMs ?? 5000)]);
        const facts = await p.lookup(ip, signal);
        const value: Cached = { at: this.#o.now(), facts };
        await retryLocked(() =>
          this.#o.kv.set(keys.enrichment(p.name, ip), value, { expireIn: this.#o.cacheTtlMs ?? 86_400_000 })
        );
        this.#remember(ip, p.name, facts);
      } catch (e) {
        this.stats.failed++;
        if (!this.#abort.signal.aborted) {
          log.warn("enrichment lookup failed", { provider: p.name, error: String(e) });
        }
      }
    }
  }
}

/** Keep facts already set (the first database that knows a field wins). */
function pick(e: Enrichment): Enrichment {
  const out: Enrichment = {};
  for (const [k, v] of Object.entries(e)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
