/** Enrichment of source IPs: build an `Enricher` from the resolved configuration. */
import type { EnrichmentConfig } from "../config.ts";
import { log } from "../log.ts";
import type { Registry } from "../metrics.ts";
import { CidrList } from "./cidr_list.ts";
import { Enricher } from "./enricher.ts";
import { GeoDb } from "./geoip.ts";
import { abuseIpDb, type EnrichmentProvider, greyNoise } from "./providers.ts";

export { CidrList } from "./cidr_list.ts";
export { Enricher, type EnricherOptions } from "./enricher.ts";
export { GeoDb, type GeoFacts } from "./geoip.ts";
export { abuseIpDb, type EnrichmentProvider, greyNoise, type ProviderFacts } from "./providers.ts";

/** Mirror the enricher's lookup counts into the metrics registry at scrape time. */
export function enrichmentMetrics(registry: Registry, e: Enricher): void {
  const c = registry.counter(
    "honeywatch_enrichment_lookups_total",
    "Online enrichment lookups by result: fetched, cached (answered from KV), failed, limited (over budget)",
    ["result"],
  );
  registry.collect(() => {
    c.set({ result: "fetched" }, e.stats.lookups);
    c.set({ result: "cached" }, e.stats.cached);
    c.set({ result: "failed" }, e.stats.failed);
    c.set({ result: "limited" }, e.stats.limited);
  });
}

/**
 * Open the configured databases and lists and set up the providers. A file that cannot be
 * read stops the start with a message naming it (a silently missing blocklist is worse).
 */
export async function createEnricher(
  kv: Deno.Kv,
  c: Readonly<EnrichmentConfig> | undefined,
  now: () => number,
): Promise<Enricher> {
  const geo: GeoDb[] = [];
  for (const path of [c?.geoipDb, c?.asnDb]) if (path) geo.push(await GeoDb.open(path));
  const lists: CidrList[] = [];
  for (const path of c?.reputationLists ?? []) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      throw new Error(`Cannot read reputation list ${JSON.stringify(path)}: ${(e as Error).message}`);
    }
    const name = path.replace(/^.*\//, "").replace(/\.(netset|ipset|txt|json|lst)$/, "");
    const { list, skipped } = CidrList.parse(name, text);
    if (skipped > 0) log.warn("reputation list lines skipped", { list: name, skipped });
    lists.push(list);
  }
  const providers: EnrichmentProvider[] = [];
  if (c?.abuseipdbKey) providers.push(abuseIpDb({ key: c.abuseipdbKey, baseUrl: c.abuseipdbUrl }));
  if (c?.greynoiseKey) providers.push(greyNoise({ key: c.greynoiseKey, baseUrl: c.greynoiseUrl }));
  return new Enricher({
    kv,
    now,
    geo,
    lists,
    providers,
    lookupsPerMinute: c?.lookupsPerMinute,
    cacheTtlMs: c?.cacheTtlMs,
  });
}
