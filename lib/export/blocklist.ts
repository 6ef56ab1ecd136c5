/**
 * The plain-text blocklist that firewalls, fail2ban actions and CrowdSec-style bouncers poll:
 * one address a line, its expiry and anomaly types as a comment. Tools that read "one IP or
 * CIDR a line" strip what follows `#` (ipset, nftables set loaders, fail2ban, pfSense URL
 * tables), so the comment is free for people.
 */
import { keys } from "../../actors/keys.ts";
import { retryLocked } from "../../actors/store.ts";
import { type Anomaly, type Severity, severityRank } from "../schema.ts";
import { toIso } from "../timestamp.ts";

/** One address to block. */
export interface BlockEntry {
  ip: string;
  /** When the block should lapse, ms: the latest anomaly's last event plus the ttl. */
  expires: number;
  severity: Severity;
  types: string[];
}

export interface BlocklistQuery {
  minSeverity: Severity;
  /** How long after an IP's latest anomaly activity it stays listed. */
  ttlMs: number;
  /** Entries whose expiry has passed at `now` are left out. */
  now: number;
  /** Upper bound of entries (most severe, then latest, kept). */
  limit: number;
}

/**
 * The IPs whose anomalies (at or above `minSeverity`) were active within the ttl, one entry
 * per IP with the most severe level and every type seen. Walks the anomaly index by raise time
 * from the oldest raise that can still matter (retention bounds the range).
 */
export async function blocklistEntries(kv: Deno.Kv, q: BlocklistQuery): Promise<BlockEntry[]> {
  const min = severityRank(q.minSeverity);
  const byIp = new Map<string, BlockEntry>();
  const iter = kv.list<Anomaly>({ prefix: keys.anomalyByTsPrefix() }, { batchSize: 1000 });
  for (;;) {
    const r = await retryLocked(() => iter.next());
    if (r.done) break;
    const a = r.value.value;
    if (severityRank(a.severity) < min) continue;
    const expires = Date.parse(a.lastTs) + q.ttlMs;
    if (!(expires > q.now)) continue;
    const e = byIp.get(a.ip);
    if (!e) {
      byIp.set(a.ip, { ip: a.ip, expires, severity: a.severity, types: [a.type] });
      continue;
    }
    e.expires = Math.max(e.expires, expires);
    if (severityRank(a.severity) > severityRank(e.severity)) e.severity = a.severity;
    if (!e.types.includes(a.type)) e.types.push(a.type);
  }
  const all = [...byIp.values()].sort((x, y) =>
    severityRank(y.severity) - severityRank(x.severity) || y.expires - x.expires || (x.ip < y.ip ? -1 : 1)
  );
  return all.slice(0, q.limit);
}

/** Render entries: a comment header, then `ADDRESS # expires ISO severity types` lines. */
export function renderBlocklist(entries: readonly BlockEntry[], q: BlocklistQuery): string {
  const head = [
    `# honeywatch blocklist, generated ${toIso(q.now)}`,
    `# minSeverity=${q.minSeverity} ttl=${Math.round(q.ttlMs / 1000)}s entries=${entries.length}`,
  ];
  const lines = entries.map((e) =>
    `${e.ip} # expires ${toIso(e.expires).replace(/\.\d{3}Z$/, "Z")} ${e.severity} ${e.types.join(",")}`
  );
  return [...head, ...lines].join("\n") + "\n";
}
