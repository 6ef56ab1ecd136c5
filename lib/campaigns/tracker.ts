/**
 * Campaigns: source IPs grouped by what they share — a credential list (MinHash/Jaccard over
 * tried `username:password` pairs, with LSH buckets to find similar lists), a client
 * fingerprint (HASSH or SSH version, which lowers the similarity needed) and command
 * sequences (identical non-trivial session scripts). A campaign of many IPs with few attempts
 * each is the distributed or low-and-slow brute force that per-IP windows miss; it raises one
 * `campaign` anomaly, updated as the campaign grows.
 *
 * Memory is bounded whatever the attacker does: profiles (one per IP) are kept LRU up to
 * `maxProfiles` and for `ttlMs` of event time, campaigns up to `maxCampaigns`, members per
 * campaign up to `maxMembers`, and every per-campaign tally (credentials, commands, clients,
 * timeline) is capped.
 */
import { grade } from "../detectors/detector.ts";
import { formatDuration } from "../duration.ts";
import type { Anomaly, NormalisedEvent, Severity } from "../schema.ts";
import { toIso } from "../timestamp.ts";
import { fnv1a, MinHash } from "./minhash.ts";
import { bump, type CampaignState, type Profile, topOf } from "./_state.ts";

/** Options of a {@linkcode CampaignTracker}; defaults in {@linkcode CAMPAIGN_DEFAULTS}. */
export interface CampaignOptions {
  /** Members a campaign needs before it raises an anomaly. */
  minIps: number;
  /** Failed logins (over all members) a credential campaign needs before it raises one. */
  minAttempts: number;
  /** Distinct credentials an IP must have tried before its list is compared. */
  minPairs: number;
  /** Estimated Jaccard similarity that links two IPs' credential lists. */
  jaccard: number;
  /** The similarity that suffices when both IPs also show the same client fingerprint. */
  jaccardSameClient: number;
  /** How long (event time) an idle IP profile or campaign is kept. */
  ttlMs: number;
  maxProfiles: number;
  maxCampaigns: number;
  maxMembers: number;
}

/**
 * Defaults: 5 IPs (fail2ban's maxretry, applied to hosts instead of attempts), 20 failed logins,
 * lists of at least 3 credentials (so one-or-two-guess scanners that all try `root:123456` do
 * not chain together), Jaccard 0.5, and a day of memory for low-and-slow campaigns.
 */
export const CAMPAIGN_DEFAULTS: Readonly<CampaignOptions> = Object.freeze({
  minIps: 5,
  minAttempts: 20,
  minPairs: 3,
  jaccard: 0.5,
  jaccardSameClient: 0.3,
  ttlMs: 86_400_000,
  maxProfiles: 20_000,
  maxCampaigns: 2_000,
  maxMembers: 2_000,
});

/** Per-IP brute-force threshold the explanation compares against (fail2ban sshd: 5 in 10m). */
const PER_IP_MAXRETRY = 5;
const BANDS = 32;
const BUCKET_CAP = 64;
const PAIRS_KEPT = 16;
const SESSIONS_KEPT = 4;
const COMMANDS_PER_SESSION = 20;
const UPDATE_EVERY_MS = 5_000;

/** What `GET /api/campaigns` shows of a campaign. */
export interface CampaignView {
  id: string;
  kind: "credential_list" | "command_sequence" | "mixed";
  memberCount: number;
  /** Members beyond `maxMembers` that were seen but not kept. */
  overflow: number;
  members: { ip: string; attempts: number; firstSeen: string; lastSeen: string }[];
  firstSeen: string;
  lastSeen: string;
  failedLogins: number;
  maxAttemptsPerIp: number;
  sharedCredentials: { credential: string; ips: number }[];
  commands: { sequence: string; ips: number }[];
  clients: { client: string; ips: number }[];
  hassh: { hassh: string; ips: number }[];
  links: { credentials: number; commands: number };
  /** Events of members per minute (ISO minute, count), oldest first. */
  timeline: { t: string; events: number }[];
  evidence: string[];
  anomalyId: string | null;
}

/** Groups IPs into campaigns and raises `campaign` anomalies; feed it every stored event. */
export class CampaignTracker {
  readonly options: Readonly<CampaignOptions>;
  readonly #mh = new MinHash(64);
  /** Map order is least recently active first. */
  readonly #profiles = new Map<string, Profile>();
  /** LSH buckets: one IP as a plain string (most buckets), several as an array. */
  readonly #bands = new Map<number, string | string[]>();
  readonly #scripts = new Map<number, Set<string>>();
  readonly #campaigns = new Map<string, CampaignState>();
  #now = 0;

  constructor(options: Partial<CampaignOptions> = {}) {
    this.options = Object.freeze({ ...CAMPAIGN_DEFAULTS, ...options });
  }

  /** Number of IP profiles held (bounded by `maxProfiles`). */
  get profiles(): number {
    return this.#profiles.size;
  }

  /** The id of the campaign `ip` belongs to, or null. */
  campaignOf(ip: string): string | null {
    return this.#profiles.get(ip)?.campaign ?? null;
  }

  /**
   * Apply a batch of events; returns campaign anomalies raised or updated. `flagged(ip)` says
   * whether a per-IP detector already caught the IP (brute_force, slow_brute_force): only the
   * IPs it missed count towards a credential campaign's anomaly.
   */
  observe(events: readonly NormalisedEvent[], flagged: (ip: string) => boolean = () => false): Anomaly[] {
    const dirty = new Set<Profile>();
    const touched = new Set<CampaignState>();
    for (const ev of events) {
      if (ev.ts > this.#now) this.#now = ev.ts;
      const p = this.#profile(ev.src_ip, ev.ts);
      if (ev.ts > p.last) p.last = ev.ts;
      p.sensor = ev.sensor;
      if ((ev.kind === "login_failed" || ev.kind === "login_success") && ev.username !== undefined) {
        if (ev.kind === "login_failed") p.failed++;
        const pair = `${ev.username}:${ev.password ?? ""}`.slice(0, 200);
        if (!p.pairs.includes(pair)) {
          const changed = this.#mh.add(p.sig, pair);
          if (changed || p.pairs.length < PAIRS_KEPT) {
            p.npairs++;
            if (p.pairs.length < PAIRS_KEPT) p.pairs.push(pair);
            dirty.add(p);
            const c = this.#campaignOfProfile(p);
            if (c) bump(c.creds, pair, 1, 200);
          }
        }
        if (p.evidence.length < 6) p.evidence.push(ev.id);
      } else if (ev.kind === "client_version" && ev.client) {
        p.client = ev.client.slice(0, 200);
      } else if (ev.kind === "client_kex" && ev.hassh) {
        p.hassh = ev.hassh.slice(0, 64);
      } else if (ev.kind === "command" && ev.session !== undefined && ev.command !== undefined) {
        const sessions = p.sessions ??= new Map();
        let cmds = sessions.get(ev.session);
        if (!cmds) {
          if (sessions.size >= SESSIONS_KEPT) {
            const [oldest, list] = sessions.entries().next().value!;
            sessions.delete(oldest);
            this.#script(p, list, ev.ts, touched);
          }
          sessions.set(ev.session, cmds = []);
        }
        if (cmds.length < COMMANDS_PER_SESSION) cmds.push(ev.command.trim().slice(0, 200));
        if (p.evidence.length < 6) p.evidence.push(ev.id);
      } else if (ev.kind === "closed" && ev.session !== undefined) {
        const cmds = p.sessions?.get(ev.session);
        if (cmds) {
          p.sessions!.delete(ev.session);
          this.#script(p, cmds, ev.ts, touched);
        }
      }
      const c = this.#campaignOfProfile(p);
      if (c) {
        this.#record(c, p, ev);
        touched.add(c);
      } else bump(p.minutes ??= new Map(), String(Math.floor(ev.ts / 60_000)), 1, 30);
    }
    for (const p of dirty) this.#linkByCredentials(p, touched);
    this.#expire();
    const out: Anomaly[] = [];
    for (const c of touched) {
      if (!this.#campaigns.has(c.id)) continue; // merged away
      const a = this.#anomaly(c, flagged);
      if (a) out.push(a);
    }
    return out;
  }

  /** Up to `limit` campaigns with at least `minMembers` members, most recently active first. */
  list(minMembers = 2, limit = Infinity): CampaignView[] {
    return [...this.#campaigns.values()]
      .filter((c) => c.members.size + c.overflow >= minMembers)
      .sort((a, b) => b.last - a.last)
      .slice(0, limit)
      .map((c) => this.#view(c));
  }

  /** One campaign by id, or null. */
  get(id: string): CampaignView | null {
    const c = this.#campaigns.get(id);
    return c ? this.#view(c) : null;
  }

  #profile(ip: string, ts: number): Profile {
    let p = this.#profiles.get(ip);
    if (p) {
      this.#profiles.delete(ip); // re-insert: Map order is the LRU order
    } else {
      p = {
        ip,
        first: ts,
        last: ts,
        failed: 0,
        pairs: [],
        npairs: 0,
        sig: this.#mh.empty(),
        bandKeys: null,
        scripts: [],
        campaign: null,
        sensor: "",
        evidence: [],
      };
      while (this.#profiles.size >= this.options.maxProfiles) {
        this.#dropProfile(this.#profiles.values().next().value!);
      }
    }
    this.#profiles.set(ip, p);
    return p;
  }

  #dropProfile(p: Profile): void {
    this.#profiles.delete(p.ip);
    this.#unband(p);
    for (const x of p.scripts) this.#scripts.get(x.h)?.delete(p.ip);
  }

  /** Take `p` out of its LSH buckets (empty buckets are dropped, so the index stays bounded). */
  #unband(p: Profile): void {
    if (!p.bandKeys) return;
    for (const k of p.bandKeys) {
      const b = this.#bands.get(k);
      if (b === undefined) continue;
      if (typeof b === "string") {
        if (b === p.ip) this.#bands.delete(k);
        continue;
      }
      const i = b.indexOf(p.ip);
      if (i >= 0) b.splice(i, 1);
      if (b.length === 1) this.#bands.set(k, b[0]);
      else if (b.length === 0) this.#bands.delete(k);
    }
    p.bandKeys = null;
  }

  #campaignOfProfile(p: Profile): CampaignState | undefined {
    return p.campaign ? this.#campaigns.get(p.campaign) : undefined;
  }

  /** A finished session's command list: IPs running the same non-trivial script are linked. */
  #script(p: Profile, cmds: string[], ts: number, touched: Set<CampaignState>): void {
    const seq = cmds.filter((c) => c !== "").join(" ; ");
    // Short command lists ("uname -a", "ls ; whoami") are what every bot and person types: a
    // script that identifies a campaign has three commands or some length.
    if (cmds.length < 3 && seq.length < 40) return;
    const h = fnv1a(seq);
    if (p.scripts.some((x) => x.h === h)) return;
    if (p.scripts.length >= 8) this.#scripts.get(p.scripts.shift()!.h)?.delete(p.ip);
    const text = seq.slice(0, 500);
    p.scripts.push({ h, seq: text });
    const wasMember = this.#campaignOfProfile(p) !== undefined;
    let bucket = this.#scripts.get(h);
    if (!bucket) this.#scripts.set(h, bucket = new Set());
    for (const other of bucket) {
      const q = this.#profiles.get(other);
      if (q && q !== p) this.#link(p, q, "commands", ts, touched);
    }
    capAdd(bucket, p.ip);
    // A newcomer's scripts were tallied when it joined; a member's new script is tallied here.
    const c = this.#campaignOfProfile(p);
    if (c && wasMember) bump(c.commands, text, 1, 20);
  }

  #linkByCredentials(p: Profile, touched: Set<CampaignState>): void {
    if (p.npairs < this.options.minPairs) return;
    this.#unband(p);
    p.bandKeys = this.#mh.bandKeys(p.sig, BANDS);
    const candidates = new Set<string>();
    for (const k of p.bandKeys) {
      const b = this.#bands.get(k);
      if (b === undefined) {
        this.#bands.set(k, p.ip);
      } else if (typeof b === "string") {
        candidates.add(b);
        this.#bands.set(k, [b, p.ip]);
      } else {
        for (const ip of b) candidates.add(ip);
        b.push(p.ip);
        if (b.length > BUCKET_CAP) b.shift();
      }
    }
    for (const ip of candidates) {
      const q = this.#profiles.get(ip);
      if (!q || q === p || q.npairs < this.options.minPairs) continue;
      if (p.campaign !== null && p.campaign === q.campaign) continue;
      const j = this.#mh.similarity(p.sig, q.sig);
      const sameClient = (p.hassh !== undefined && p.hassh === q.hassh) ||
        (p.client !== undefined && p.client === q.client);
      if (j >= this.options.jaccard || (sameClient && j >= this.options.jaccardSameClient)) {
        this.#link(p, q, "credentials", p.last, touched);
      }
    }
  }

  #link(p: Profile, q: Profile, why: "credentials" | "commands", ts: number, touched: Set<CampaignState>) {
    let a = this.#campaignOfProfile(p);
    let b = this.#campaignOfProfile(q);
    if (!a && !b) {
      if (this.#campaigns.size >= this.options.maxCampaigns) this.#evictCampaign();
      const id = `c${fnv1a(`${q.ip}|${p.ip}`).toString(36)}${Math.floor(ts / 1000).toString(36)}`;
      a = newCampaign(id, q, ts);
      this.#campaigns.set(id, a);
      this.#join(a, q);
    } else if (!a && b) {
      [a, b] = [b, undefined];
    } else if (a && b && a !== b) {
      // The larger (then older) campaign absorbs the other; its id lives on.
      if (b.members.size > a.members.size || (b.members.size === a.members.size && b.first < a.first)) {
        [a, b] = [b, a];
      }
      this.#merge(a!, b);
      b = undefined;
    }
    const c = a!;
    if (this.#campaignOfProfile(p) !== c) this.#join(c, p);
    if (this.#campaignOfProfile(q) !== c) this.#join(c, q);
    c.links[why]++;
    touched.add(c);
  }

  #join(c: CampaignState, p: Profile): void {
    if (c.members.size >= this.options.maxMembers) {
      // Counted and marked as in the campaign (so it does not seed another), not listed.
      c.overflow++;
      c.failed += p.failed;
      p.campaign = c.id;
      return;
    }
    p.campaign = c.id;
    c.members.set(p.ip, { attempts: p.failed, first: p.first, last: p.last });
    c.failed += p.failed;
    if (p.first < c.first) c.first = p.first;
    if (p.last > c.last) c.last = p.last;
    for (const pair of p.pairs) bump(c.creds, pair, 1, 200);
    for (const x of p.scripts) bump(c.commands, x.seq, 1, 20);
    for (const [m, n] of p.minutes ?? []) bump(c.minutes, m, n, 1440);
    p.minutes = undefined;
    if (p.client) bump(c.clients, p.client, 1, 20);
    if (p.hassh) bump(c.hassh, p.hassh, 1, 20);
    if (p.sensor) c.sensor = p.sensor;
    for (const id of p.evidence.slice(0, 3)) pushEvidence(c.evidence, id);
  }

  #merge(into: CampaignState, from: CampaignState): void {
    for (const [ip, m] of from.members) {
      const p = this.#profiles.get(ip);
      if (into.members.size >= this.options.maxMembers) {
        into.overflow++;
        if (p) p.campaign = null;
        continue;
      }
      into.members.set(ip, m);
      if (p) p.campaign = into.id;
    }
    into.overflow += from.overflow;
    into.failed += from.failed;
    into.first = Math.min(into.first, from.first);
    into.last = Math.max(into.last, from.last);
    for (const [k, n] of from.creds) bump(into.creds, k, n, 200);
    for (const [k, n] of from.commands) bump(into.commands, k, n, 20);
    for (const [k, n] of from.clients) bump(into.clients, k, n, 20);
    for (const [k, n] of from.hassh) bump(into.hassh, k, n, 20);
    for (const [k, n] of from.minutes) bump(into.minutes, k, n, 1440);
    into.links.credentials += from.links.credentials;
    into.links.commands += from.links.commands;
    for (const id of from.evidence) pushEvidence(into.evidence, id);
    this.#campaigns.delete(from.id);
  }

  #record(c: CampaignState, p: Profile, ev: NormalisedEvent): void {
    const m = c.members.get(p.ip);
    if (!m) {
      if (ev.kind === "login_failed") c.failed++; // an overflow member
      return;
    }
    if (ev.kind === "login_failed") {
      m.attempts++;
      c.failed++;
      pushEvidence(c.evidence, ev.id);
    } else if (ev.kind === "command") pushEvidence(c.evidence, ev.id);
    if (ev.ts > m.last) m.last = ev.ts;
    if (ev.ts > c.last) c.last = ev.ts;
    if (ev.ts < c.first) c.first = ev.ts;
    if (ev.client && ev.kind === "client_version") bump(c.clients, ev.client.slice(0, 200), 1, 20);
    if (ev.hassh && ev.kind === "client_kex") bump(c.hassh, ev.hassh.slice(0, 64), 1, 20);
    // Minutes are kept as keys; bump drops the smallest past 1440 (a day of minutes).
    bump(c.minutes, String(Math.floor(ev.ts / 60_000)), 1, 1440);
    c.sensor = ev.sensor;
  }

  #expire(): void {
    const cutoff = this.#now - this.options.ttlMs;
    for (const p of this.#profiles.values()) {
      if (p.last >= cutoff) break; // LRU order: the rest are newer
      this.#dropProfile(p);
    }
    for (const c of this.#campaigns.values()) {
      if (c.last < cutoff) this.#dropCampaign(c);
    }
  }

  #evictCampaign(): void {
    let oldest: CampaignState | undefined;
    for (const c of this.#campaigns.values()) if (!oldest || c.last < oldest.last) oldest = c;
    if (oldest) this.#dropCampaign(oldest);
  }

  #dropCampaign(c: CampaignState): void {
    this.#campaigns.delete(c.id);
    for (const ip of c.members.keys()) {
      const p = this.#profiles.get(ip);
      if (p && p.campaign === c.id) p.campaign = null;
    }
  }

  #anomaly(c: CampaignState, flagged: (ip: string) => boolean): Anomaly | null {
    const o = this.options;
    const members = c.members.size + c.overflow;
    if (members < o.minIps) return null;
    // The IPs per-IP windows missed (overflow members are not known: counted as missed).
    let quiet = c.overflow;
    let quietFailed = 0;
    for (const [ip, m] of c.members) {
      if (flagged(ip)) continue;
      quiet++;
      quietFailed += m.attempts;
    }
    const byCredentials = quiet >= o.minIps && quietFailed >= o.minAttempts;
    const byCommands = c.links.commands > 0;
    if (!byCredentials && !byCommands) return null;
    const { severity, score } = grade(members, o.minIps);
    const prev = c.raised;
    if (prev) {
      const grew = members > prev.members || c.failed > prev.failed;
      const up = rank(severity) > rank(prev.severity);
      if (!grew || (!up && c.last - prev.emittedAt < UPDATE_EVERY_MS)) return null;
    }
    c.raised = {
      ts: prev?.ts ?? c.last,
      emittedAt: c.last,
      severity,
      members,
      failed: c.failed,
      updates: (prev?.updates ?? 0) + 1,
    };
    const attempts = [...c.members.values()].map((m) => m.attempts).sort((a, b) => a - b);
    const maxPer = attempts.at(-1) ?? 0;
    const median = attempts.length ? attempts[Math.floor(attempts.length / 2)] : 0;
    const shared = topOf(c.creds, 200).filter(([, n]) => n >= 2);
    const span = c.last - c.first;
    const what = c.links.credentials > 0 ? "sharing a credential list" : "running the same commands";
    const slow = span >= 3_600_000 ? "low-and-slow " : "";
    const missed = maxPer < PER_IP_MAXRETRY
      ? ` (at most ${maxPer} per IP, below the per-IP limit of 5)`
      : quiet < members
      ? ` (${quiet} of the IPs not caught by per-IP detectors)`
      : "";
    const creds = shared.slice(0, 3).map(([k]) => JSON.stringify(k)).join(", ");
    return {
      id: `campaign-${c.id}`,
      type: "campaign",
      detector: "campaign",
      ip: c.seed,
      sensor: c.sensor || undefined,
      ts: toIso(c.raised.ts),
      lastTs: toIso(c.last),
      severity,
      score,
      reason: `${slow}campaign of ${members} IPs ${what}: ${c.failed} failed logins${missed} over ` +
        `${humanSpan(span)}` +
        (shared.length ? `; ${shared.length} credentials tried by several IPs, e.g. ${creds}` : ""),
      window: { ms: o.ttlMs, label: formatDuration(o.ttlMs) },
      threshold: o.minIps,
      value: members,
      features: {
        members,
        members_missed_per_ip: quiet,
        failed_logins: c.failed,
        max_failed_per_ip: maxPer,
        median_failed_per_ip: median,
        shared_credentials: shared.length,
        shared_command_sequences: [...c.commands.values()].filter((n) => n >= 2).length,
        client_fingerprints: c.clients.size + c.hassh.size,
        span_minutes: Math.round(span / 60_000),
      },
      evidence: [...c.evidence],
      updates: c.raised.updates,
      status: "open",
    };
  }

  #view(c: CampaignState): CampaignView {
    const members = [...c.members.entries()]
      .sort((a, b) => b[1].last - a[1].last)
      .slice(0, 500)
      .map(([ip, m]) => ({ ip, attempts: m.attempts, firstSeen: toIso(m.first), lastSeen: toIso(m.last) }));
    return {
      id: c.id,
      kind: c.links.credentials > 0 && c.links.commands > 0
        ? "mixed"
        : c.links.credentials > 0
        ? "credential_list"
        : "command_sequence",
      memberCount: c.members.size + c.overflow,
      overflow: c.overflow,
      members,
      firstSeen: toIso(c.first),
      lastSeen: toIso(c.last),
      failedLogins: c.failed,
      maxAttemptsPerIp: Math.max(0, ...[...c.members.values()].map((m) => m.attempts)),
      sharedCredentials: topOf(c.creds, 50).map(([credential, ips]) => ({ credential, ips })),
      commands: topOf(c.commands, 20).map(([sequence, ips]) => ({ sequence, ips })),
      clients: topOf(c.clients, 20).map(([client, ips]) => ({ client, ips })),
      hassh: topOf(c.hassh, 20).map(([hassh, ips]) => ({ hassh, ips })),
      links: { ...c.links },
      timeline: [...c.minutes.entries()]
        .map(([m, n]) => ({ m: Number(m), n }))
        .sort((a, b) => a.m - b.m)
        .map(({ m, n }) => ({ t: toIso(m * 60_000), events: n })),
      evidence: [...c.evidence],
      anomalyId: c.raised ? `campaign-${c.id}` : null,
    };
  }
}

function newCampaign(id: string, seed: Profile, ts: number): CampaignState {
  return {
    id,
    seed: seed.ip,
    first: Math.min(ts, seed.first),
    last: ts,
    failed: 0,
    overflow: 0,
    members: new Map(),
    creds: new Map(),
    commands: new Map(),
    clients: new Map(),
    hassh: new Map(),
    minutes: new Map(),
    links: { credentials: 0, commands: 0 },
    evidence: [],
    sensor: seed.sensor,
    raised: null,
  };
}

/** Add to a set that keeps its newest `BUCKET_CAP` members. */
function capAdd(s: Set<string>, v: string): void {
  s.delete(v);
  s.add(v);
  if (s.size > BUCKET_CAP) s.delete(s.values().next().value!);
}

/** Keep how it started (first 10) and the latest (20). */
function pushEvidence(list: string[], id: string): void {
  if (list.includes(id)) return;
  list.push(id);
  if (list.length > 30) list.splice(10, 1);
}

/** "45s", "48m", "2h 5m", "3d 4h": how long a campaign has run. */
export function humanSpan(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  if (m < 1440) return `${Math.floor(m / 60)}h${m % 60 ? ` ${m % 60}m` : ""}`;
  const h = Math.round(m / 60);
  return `${Math.floor(h / 24)}d${h % 24 ? ` ${h % 24}h` : ""}`;
}

function rank(s: Severity): number {
  return ["low", "medium", "high", "critical"].indexOf(s);
}
