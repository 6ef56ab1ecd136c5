/**
 * Online reputation providers. Off by default: one is used only when its key is configured.
 * Each answer is reduced to a few fields, so a cached entry stays small and nothing the
 * provider sends is shown unchecked.
 */

/** A provider's reduced answer, cached in KV and shown under `enrichment.providers[name]`. */
export type ProviderFacts = Record<string, string | number | boolean | null>;

/** An online lookup service. */
export interface EnrichmentProvider {
  readonly name: string;
  /** Facts about `ip`; throws on a transport or HTTP error (nothing is cached then). */
  lookup(ip: string, signal: AbortSignal): Promise<ProviderFacts>;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v.slice(0, 200) : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === "boolean" ? v : null);

async function getJson(url: string, headers: Record<string, string>, signal: AbortSignal, ok404 = false) {
  const res = await fetch(url, { headers: { accept: "application/json", ...headers }, signal });
  if (res.status === 404 && ok404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${new URL(url).host} answered ${res.status}`);
  }
  return await res.json() as Record<string, unknown>;
}

/** AbuseIPDB v2 `GET /check` (https://docs.abuseipdb.com/#check-endpoint). */
export function abuseIpDb(o: { key: string; baseUrl: string }): EnrichmentProvider {
  return {
    name: "abuseipdb",
    async lookup(ip, signal) {
      const url = `${o.baseUrl.replace(/\/$/, "")}/check?ipAddress=${encodeURIComponent(ip)}&maxAgeInDays=90`;
      const body = await getJson(url, { key: o.key }, signal);
      const d = (body?.data ?? {}) as Record<string, unknown>;
      return {
        abuseConfidenceScore: num(d.abuseConfidenceScore),
        totalReports: num(d.totalReports),
        countryCode: str(d.countryCode),
        isp: str(d.isp),
        usageType: str(d.usageType),
        isTor: bool(d.isTor),
        lastReportedAt: str(d.lastReportedAt),
      };
    },
  };
}

/** GreyNoise Community API `GET /v3/community/{ip}` (404: not seen scanning). */
export function greyNoise(o: { key: string; baseUrl: string }): EnrichmentProvider {
  return {
    name: "greynoise",
    async lookup(ip, signal) {
      const body = await getJson(
        `${o.baseUrl.replace(/\/$/, "")}/${encodeURIComponent(ip)}`,
        { key: o.key },
        signal,
        true,
      );
      if (body === null) {
        return { noise: false, riot: false, classification: null, name: null, lastSeen: null };
      }
      return {
        noise: bool(body.noise),
        riot: bool(body.riot),
        classification: str(body.classification),
        name: str(body.name),
        lastSeen: str(body.last_seen),
      };
    },
  };
}
