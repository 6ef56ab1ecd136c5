/** Plain state of the campaign tracker (private to `lib/campaigns/`) and its bounded tallies. */

/** What the tracker remembers of one source IP. */
export interface Profile {
  ip: string;
  first: number;
  last: number;
  failed: number;
  /** Distinct `username:password` pairs tried (the first 32, for explanations). */
  pairs: string[];
  /** Distinct pairs counted (beyond 32: those that changed the signature). */
  npairs: number;
  /** MinHash signature of every pair tried. */
  sig: Uint32Array;
  /** LSH band keys the IP is filed under. */
  bandKeys: Uint32Array | null;
  client?: string;
  hassh?: string;
  /** Commands of open sessions, by session id (created on the first command). */
  sessions?: Map<string, string[]>;
  /** Finished non-trivial session scripts (hash and text), newest last, at most 8. */
  scripts: { h: number; seq: string }[];
  campaign: string | null;
  sensor: string;
  /** Events per minute before the IP joined a campaign (at most 30 minutes kept; created lazily). */
  minutes?: Map<string, number>;
  /** A few event ids to show as evidence when the IP joins a campaign. */
  evidence: string[];
}

/** One campaign. Tallies count member IPs (credentials, commands, clients) or events (minutes). */
export interface CampaignState {
  id: string;
  /** The first member: the anomaly's `ip`. */
  seed: string;
  first: number;
  last: number;
  failed: number;
  overflow: number;
  members: Map<string, { attempts: number; first: number; last: number }>;
  creds: Map<string, number>;
  commands: Map<string, number>;
  clients: Map<string, number>;
  hassh: Map<string, number>;
  minutes: Map<string, number>;
  links: { credentials: number; commands: number };
  evidence: string[];
  sensor: string;
  raised: {
    ts: number;
    emittedAt: number;
    severity: "low" | "medium" | "high" | "critical";
    members: number;
    failed: number;
    updates: number;
  } | null;
}

/**
 * Add `n` to `key`; past `cap` keys the smallest tally is dropped first (attacker-controlled
 * strings never grow a tally without bound).
 */
export function bump(m: Map<string, number>, key: string, n: number, cap: number): void {
  const v = m.get(key);
  if (v !== undefined) {
    m.set(key, v + n);
    return;
  }
  if (m.size >= cap) {
    let minK: string | undefined;
    let minV = Infinity;
    for (const [k, c] of m) {
      if (c < minV) {
        minV = c;
        minK = k;
      }
    }
    if (minK !== undefined) m.delete(minK);
  }
  m.set(key, n);
}

/** The `n` largest tallies, largest first (ties by key). */
export function topOf(m: Map<string, number>, n: number): [string, number][] {
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}
