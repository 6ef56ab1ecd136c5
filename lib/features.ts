/**
 * Feature engineering for the online models: the per-actor feature vector (what one source IP
 * has been doing) built from actor state, plus the small extra state the actor keeps for it.
 *
 * Every feature is a non-negative number; `scaleFeatures` maps them into [0, 1] for
 * Half-Space Trees (whose default limits are [0, 1] per feature).
 */
import type { ActorState } from "../actors/actor.ts";
import { bucketAdd, type Buckets, buckets, bucketSum, distinctCount } from "../actors/windows.ts";
import { isPrivateIp } from "./ip.ts";
import type { NormalisedEvent } from "./schema.ts";

/** Extra per-actor state for features the detectors' windows do not cover (plain JSON). */
export interface FeatureState {
  /** Failed logins in 10 s buckets over the last ~5 minutes (30 s and 5 min windows). */
  failed10s: Buckets;
  /** New connections per minute over the last 10 minutes. */
  connPerMinute: Buckets;
  /** Destination port -> count (capped), for the port entropy. */
  portCounts: Record<string, number>;
  /** Sum and number of closed-session durations (ms). */
  durSum: number;
  durN: number;
  /** Bytes transferred, where the source reports them. */
  bytes: number;
}

/** Most distinct ports whose counts are kept for the entropy. */
const PORT_COUNTS_CAP = 64;

/** A new, empty feature state. */
export function newFeatureState(): FeatureState {
  return {
    failed10s: buckets(10_000, 32),
    connPerMinute: buckets(60_000, 10),
    portCounts: {},
    durSum: 0,
    durN: 0,
    bytes: 0,
  };
}

/** Update `fs` with one event (pure apart from mutating `fs`). */
export function featureStep(fs: FeatureState, ev: NormalisedEvent): void {
  if (ev.kind === "login_failed") bucketAdd(fs.failed10s, ev.ts);
  if (ev.kind === "connect" || ev.kind === "conn" || ev.kind === "firewall") {
    bucketAdd(fs.connPerMinute, ev.ts);
  }
  if (ev.dst_port !== undefined && ev.kind !== "connect") {
    const p = String(ev.dst_port);
    if (fs.portCounts[p] !== undefined || Object.keys(fs.portCounts).length < PORT_COUNTS_CAP) {
      fs.portCounts[p] = (fs.portCounts[p] ?? 0) + 1;
    }
  }
  if (ev.duration_ms !== undefined && (ev.kind === "closed" || ev.kind === "conn")) {
    fs.durSum += ev.duration_ms;
    fs.durN++;
  }
  if (ev.bytes !== undefined && Number.isFinite(ev.bytes) && ev.bytes > 0) fs.bytes += ev.bytes;
}

/** Names of the per-actor features, in a fixed order (the dense vector's order). */
export const FEATURE_NAMES = [
  "failed_logins_30s",
  "failed_logins_5m",
  "success_rate",
  "failed_success_ratio",
  "distinct_usernames",
  "distinct_passwords",
  "distinct_ports_1m",
  "port_entropy",
  "connections_1m",
  "events_1m",
  "session_duration_s",
  "commands_per_session",
  "distinct_commands",
  "downloads",
  "bytes",
  "hour_of_day",
  "weekday",
  "internal",
] as const;
export type FeatureName = typeof FEATURE_NAMES[number];
export type FeatureVector = Record<FeatureName, number>;

/** Shannon entropy (bits) of a count table. */
export function entropy(counts: Record<string, number>): number {
  let total = 0;
  for (const k in counts) total += counts[k];
  if (total === 0) return 0;
  let h = 0;
  for (const k in counts) {
    const p = counts[k] / total;
    if (p > 0) h -= p * Math.log2(p);
  }
  return h;
}

/** The feature vector of an actor at event time `now`. */
export function featureVector(s: ActorState, now: number): FeatureVector {
  const fs = s.fx ?? newFeatureState();
  const failed = s.kinds.login_failed ?? 0;
  const ok = s.kinds.login_success ?? 0;
  const sessions = Math.max(1, s.kinds.connect ?? 0);
  const commands = (s.kinds.command ?? 0) + (s.kinds.command_failed ?? 0);
  const distinctCommands = new Set<string>();
  for (const r of s.recent) if (r.command !== undefined) distinctCommands.add(r.command);
  const d = new Date(now);
  return {
    failed_logins_30s: bucketSum(fs.failed10s, now, 30_000),
    failed_logins_5m: bucketSum(fs.failed10s, now, 300_000),
    success_rate: failed + ok > 0 ? ok / (failed + ok) : 0,
    failed_success_ratio: failed / (ok + 1),
    distinct_usernames: distinctCount(s.usernames, now, 600_000),
    distinct_passwords: distinctCount(s.passwords, now, 600_000),
    distinct_ports_1m: distinctCount(s.ports, now, 60_000),
    port_entropy: entropy(fs.portCounts),
    connections_1m: bucketSum(fs.connPerMinute, now, 60_000),
    events_1m: bucketSum(s.perMinute, now, 60_000),
    session_duration_s: fs.durN > 0 ? fs.durSum / fs.durN / 1000 : 0,
    commands_per_session: commands / sessions,
    distinct_commands: distinctCommands.size,
    downloads: s.kinds.download ?? 0,
    bytes: fs.bytes,
    hour_of_day: d.getUTCHours(),
    weekday: d.getUTCDay(),
    internal: isPrivateIp(s.ip) ? 1 : 0,
  };
}

/**
 * Where each feature saturates when scaled into [0, 1]: counts go through `log1p(x)/log1p(cap)`
 * (heavy-tailed attacker counts), ratios and clock features are linear.
 */
const CAPS: Record<FeatureName, { cap: number; log: boolean }> = {
  failed_logins_30s: { cap: 100, log: true },
  failed_logins_5m: { cap: 1000, log: true },
  success_rate: { cap: 1, log: false },
  failed_success_ratio: { cap: 1000, log: true },
  distinct_usernames: { cap: 64, log: true },
  distinct_passwords: { cap: 64, log: true },
  distinct_ports_1m: { cap: 128, log: true },
  port_entropy: { cap: 7, log: false },
  connections_1m: { cap: 1000, log: true },
  events_1m: { cap: 10_000, log: true },
  session_duration_s: { cap: 3600, log: true },
  commands_per_session: { cap: 100, log: true },
  distinct_commands: { cap: 50, log: true },
  downloads: { cap: 100, log: true },
  bytes: { cap: 1e9, log: true },
  hour_of_day: { cap: 23, log: false },
  weekday: { cap: 6, log: false },
  internal: { cap: 1, log: false },
};

/** Scale a feature vector into [0, 1] per feature (fixed, stateless: same input, same output). */
export function scaleFeatures(x: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of FEATURE_NAMES) {
    const v = x[name];
    if (v === undefined || !Number.isFinite(v)) continue;
    const { cap, log } = CAPS[name];
    const s = log ? Math.log1p(Math.max(0, v)) / Math.log1p(cap) : v / cap;
    out[name] = Math.min(1, Math.max(0, s));
  }
  return out;
}
