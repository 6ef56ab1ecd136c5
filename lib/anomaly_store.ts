/** Anomalies in Deno KV: upsert by id, indexed by raise time globally and per IP. */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import { type Page, page } from "./paging.ts";
import { type Anomaly, type Severity, severityRank } from "./schema.ts";

/** Store (insert or update) anomalies; each is three keys written in one commit. */
export async function upsertAnomalies(kv: Deno.Kv, anomalies: readonly Anomaly[], retentionMs: number) {
  for (let i = 0; i < anomalies.length; i += 250) {
    const op = kv.atomic();
    for (const a of anomalies.slice(i, i + 250)) {
      const ts = Date.parse(a.ts);
      op.set(keys.anomaly(a.id), a, { expireIn: retentionMs });
      op.set(keys.anomalyByTs(ts, a.id), a, { expireIn: retentionMs });
      op.set(keys.anomalyByIp(a.ip, ts, a.id), a, { expireIn: retentionMs });
    }
    await retryLocked(() => op.commit());
  }
}

/** Filters of `GET /api/anomalies`. */
export interface AnomalyQuery {
  ip?: string;
  type?: string;
  minSeverity?: Severity;
  /** Raise time bounds, ms, inclusive. */
  since?: number;
  until?: number;
  limit: number;
  cursor?: string;
}

/** Anomalies newest first, with cursor paging. */
export function listAnomalies(kv: Deno.Kv, q: AnomalyQuery): Promise<Page<Anomaly>> {
  const prefix = q.ip ? keys.anomalyByIpPrefix(q.ip) : keys.anomalyByTsPrefix();
  const selector: Deno.KvListSelector = {
    start: [...prefix, q.since ?? 0],
    end: [...prefix, (q.until ?? 8.64e15) + 1],
  };
  const min = q.minSeverity ? severityRank(q.minSeverity) : 0;
  return page<Anomaly>(
    kv,
    selector,
    q.limit,
    q.cursor,
    (a) => (!q.type || a.type === q.type) && severityRank(a.severity) >= min,
  );
}

/** One anomaly by id. */
export async function getAnomaly(kv: Deno.Kv, id: string): Promise<Anomaly | null> {
  return (await retryLocked(() => kv.get<Anomaly>(keys.anomaly(id)))).value;
}
