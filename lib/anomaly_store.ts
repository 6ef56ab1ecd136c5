/** Anomalies in Deno KV: upsert by id, indexed by raise time globally and per IP. */
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import type { LiveFeed } from "./live_feed.ts";
import { type Page, page } from "./paging.ts";
import { type Anomaly, type Severity, severityRank } from "./schema.ts";

/** Anomalies per commit: three keys each (KV allows 1000 mutations)... */
const PER_COMMIT = 250;
/** ...and this much JSON, as each is written three times plus once in the live feed (800 KiB a commit). */
const CHARS_PER_COMMIT = 150_000;

/**
 * Store (insert or update) anomalies; each is three keys written in one commit. With `feed`,
 * the same commit also carries them to the other instances' live subscribers (lib/live_feed.ts).
 */
export async function upsertAnomalies(
  kv: Deno.Kv,
  anomalies: readonly Anomaly[],
  retentionMs: number,
  feed?: LiveFeed,
) {
  let i = 0;
  while (i < anomalies.length) {
    const op = kv.atomic();
    const chunk: Anomaly[] = [];
    let chars = 0;
    for (; i < anomalies.length && chunk.length < PER_COMMIT; i++) {
      const a = anomalies[i];
      const size = JSON.stringify(a).length;
      if (chunk.length > 0 && chars + size > CHARS_PER_COMMIT) break;
      chars += size;
      chunk.push(a);
      const ts = Date.parse(a.ts);
      op.set(keys.anomaly(a.id), a, { expireIn: retentionMs });
      op.set(keys.anomalyByTs(ts, a.id), a, { expireIn: retentionMs });
      op.set(keys.anomalyByIp(a.ip, ts, a.id), a, { expireIn: retentionMs });
    }
    if (feed) await feed.commit(op, "anomaly", chunk);
    else await retryLocked(() => op.commit());
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
