/**
 * A per-source-IP actor: plain data plus a step function. No I/O here: storage is
 * `store.ts`, scheduling is `system.ts`.
 */
import type { Detector, Firing } from "../lib/detectors/mod.ts";
import { type FeatureState, featureStep, newFeatureState } from "../lib/features.ts";
import type { Anomaly, NormalisedEvent } from "../lib/schema.ts";
import { toIso } from "../lib/timestamp.ts";
import {
  bucketAdd,
  type Buckets,
  buckets,
  bucketSum,
  clipText,
  type Distinct,
  distinct,
  distinctAdd,
  distinctCount,
  ringPush,
} from "./windows.ts";

/** How many recent events an actor keeps for the drill-down page. */
export const RECENT_EVENTS = 50;
/** A stored anomaly is re-emitted for an update at most this often (event time). */
const UPDATE_EVERY_MS = 5_000;

/** A compact copy of an event for the actor's recent-events ring. */
export interface RecentEvent {
  id: string;
  ts: number;
  kind: string;
  sensor: string;
  session?: string;
  username?: string;
  password?: string;
  command?: string;
  url?: string;
  dst_port?: number;
}

/** An open anomaly inside the actor: when it was last emitted, and whether it changed since. */
export type OpenAnomaly = Anomaly & { emittedAt: number; unsent?: boolean };

/** An actor's whole state; stored in KV as one value (bounded in size). */
export interface ActorState {
  v: 1;
  ip: string;
  firstSeen: number;
  lastSeen: number;
  events: number;
  kinds: Record<string, number>;
  sensors: string[];
  /** Events per minute over the last hour. */
  perMinute: Buckets;
  /** Failed logins per minute over the last hour. */
  failedPerMinute: Buckets;
  usernames: Distinct;
  passwords: Distinct;
  ports: Distinct;
  recent: RecentEvent[];
  /** Each detector's own state, by detector name. */
  det: Record<string, unknown>;
  /** The open anomaly of each type, with the event time it was last emitted. */
  open: Record<string, OpenAnomaly>;
  /** Highest batch of each server instance applied to this state (crash recovery). */
  marks: Record<string, [batch: number, wallMs: number]>;
  /** Extra state for the online models' features (`lib/features.ts`); absent in older stored actors. */
  fx?: FeatureState;
}

/** A new, empty actor for `ip`. */
export function newActor(ip: string): ActorState {
  return {
    v: 1,
    ip,
    firstSeen: 0,
    lastSeen: 0,
    events: 0,
    kinds: {},
    sensors: [],
    perMinute: buckets(60_000, 60),
    failedPerMinute: buckets(60_000, 60),
    usernames: distinct(64),
    passwords: distinct(64),
    ports: distinct(128),
    recent: [],
    det: {},
    open: {},
    marks: {},
  };
}

/** Serialised bytes an actor value may take: under KV's 64 KiB with room for the stamp around it. */
const FIT_BYTES = 56_000;

/**
 * Shrink an actor that would not fit one KV value (attacker strings at their clip length in
 * every field, some two bytes a character): the oldest recent events go first, then the
 * capped sets' values are cut short. Returns whether it changed anything. Rare: flush calls
 * it only after KV refused the value.
 */
export function fitActor(s: ActorState): boolean {
  // V8's serialiser takes at most 2 bytes per character of text; JSON length is a fair count.
  const size = () => 2 * JSON.stringify(s).length;
  if (size() <= FIT_BYTES) return false;
  while (s.recent.length > 1 && size() > FIT_BYTES) s.recent.splice(0, Math.ceil(s.recent.length / 2));
  for (const d of [s.usernames, s.passwords]) {
    if (size() <= FIT_BYTES) break;
    const v: Record<string, number> = {};
    for (const [k, ts] of Object.entries(d.v)) v[k.slice(0, 32)] = Math.max(v[k.slice(0, 32)] ?? 0, ts);
    d.v = v;
  }
  return true;
}

/** Result of one step: the (same, updated) state and the anomalies to store and publish. */
export interface StepResult {
  state: ActorState;
  anomalies: Anomaly[];
}

/**
 * Apply one event. Mutates and returns `state`; raises or updates at most one anomaly per
 * detector, keeping one open anomaly per type.
 */
export function step(state: ActorState, ev: NormalisedEvent, detectors: readonly Detector[]): StepResult {
  const s = state;
  if (s.events === 0 || ev.ts < s.firstSeen) s.firstSeen = ev.ts;
  if (ev.ts > s.lastSeen) s.lastSeen = ev.ts;
  s.events++;
  s.kinds[ev.kind] = (s.kinds[ev.kind] ?? 0) + 1;
  if (!s.sensors.includes(ev.sensor) && s.sensors.length < 16) s.sensors.push(ev.sensor);
  bucketAdd(s.perMinute, ev.ts);
  if (ev.kind === "login_failed") bucketAdd(s.failedPerMinute, ev.ts);
  // Clipped like the ring: 64 distinct 4 KB usernames would not fit KV's 64 KiB per actor.
  if (ev.username !== undefined) distinctAdd(s.usernames, clipText(ev.username), ev.ts);
  if (ev.password !== undefined) distinctAdd(s.passwords, clipText(ev.password), ev.ts);
  if (ev.dst_port !== undefined && ev.kind !== "connect") distinctAdd(s.ports, String(ev.dst_port), ev.ts);
  ringPush(s.recent, recentOf(ev), RECENT_EVENTS);
  featureStep(s.fx ??= newFeatureState(), ev);

  const anomalies: Anomaly[] = [];
  for (const d of detectors) {
    if (d.kinds && !d.kinds.has(ev.kind)) continue;
    let ds = s.det[d.name];
    if (ds === undefined) ds = s.det[d.name] = d.init();
    const firing = d.step(ds, ev);
    if (firing) {
      const a = raise(s, d, firing, ev);
      if (a) anomalies.push(a);
    }
  }
  return { state: s, anomalies };
}

function raise(s: ActorState, d: Detector, f: Firing, ev: NormalisedEvent): Anomaly | null {
  const open = s.open[d.type];
  if (open && ev.ts <= Date.parse(open.lastTs) + d.windowMs) {
    // Same attack still going: update the open anomaly rather than repeat it.
    const severityUp = rank(f.severity) > rank(open.severity);
    open.lastTs = toIso(Math.max(ev.ts, Date.parse(open.lastTs)));
    open.updates++;
    if (f.value >= open.value) {
      open.value = f.value;
      open.score = Math.max(open.score, f.score);
      open.severity = severityUp ? f.severity : open.severity;
      open.reason = f.reason;
      open.features = f.features;
    }
    open.evidence = mergeEvidence(open.evidence, f.evidence);
    if (!severityUp && ev.ts - open.emittedAt < UPDATE_EVERY_MS) {
      open.unsent = true; // sent with the next flush (`takeUnsent`)
      return null;
    }
    open.emittedAt = ev.ts;
    open.unsent = false;
    return publicAnomaly(open);
  }
  const a: OpenAnomaly = {
    id: `${d.type}-${ev.id}`,
    type: d.type,
    detector: d.name,
    ip: s.ip,
    sensor: ev.sensor,
    ts: toIso(ev.ts),
    lastTs: toIso(ev.ts),
    severity: f.severity,
    score: f.score,
    reason: f.reason,
    window: f.window,
    threshold: f.threshold,
    value: f.value,
    features: f.features,
    evidence: f.evidence,
    updates: 1,
    status: "open",
    emittedAt: ev.ts,
  };
  s.open[d.type] = a;
  return publicAnomaly(a);
}

/** Open anomalies updated since they were last emitted; marks them sent. */
export function takeUnsent(s: ActorState): Anomaly[] {
  const out: Anomaly[] = [];
  for (const a of Object.values(s.open)) {
    if (a.unsent) {
      a.unsent = false;
      out.push(publicAnomaly(a));
    }
  }
  return out;
}

/** The anomaly without actor-internal fields. */
export function publicAnomaly(a: Anomaly & { emittedAt?: number; unsent?: boolean }): Anomaly {
  const { emittedAt: _, unsent: __, ...rest } = a;
  return { ...rest, evidence: [...rest.evidence], features: { ...rest.features } };
}

function mergeEvidence(a: string[], b: string[]): string[] {
  const seen = new Set(a);
  const out = [...a];
  for (const id of b) if (!seen.has(id)) out.push(id);
  // Keep the first evidence (how it started) and the latest.
  return out.length > 30 ? [...out.slice(0, 10), ...out.slice(-20)] : out;
}

const SEV = ["low", "medium", "high", "critical"];
function rank(s: string): number {
  return SEV.indexOf(s);
}

function recentOf(ev: NormalisedEvent): RecentEvent {
  const r: RecentEvent = { id: ev.id, ts: ev.ts, kind: ev.kind, sensor: ev.sensor };
  if (ev.session !== undefined) r.session = ev.session;
  if (ev.username !== undefined) r.username = clipText(ev.username);
  if (ev.password !== undefined) r.password = clipText(ev.password);
  if (ev.command !== undefined) r.command = clipText(ev.command);
  if (ev.url !== undefined) r.url = clipText(ev.url);
  if (ev.dst_port !== undefined) r.dst_port = ev.dst_port;
  return r;
}

/** Window features of an actor at time `now` (event time), for the API and the models. */
export function actorFeatures(s: ActorState, now: number): Record<string, number> {
  return {
    events_total: s.events,
    events_1m: bucketSum(s.perMinute, now, 60_000),
    events_10m: bucketSum(s.perMinute, now, 600_000),
    failed_logins_1m: bucketSum(s.failedPerMinute, now, 60_000),
    failed_logins_10m: bucketSum(s.failedPerMinute, now, 600_000),
    failed_logins_total: s.kinds.login_failed ?? 0,
    logins_success_total: s.kinds.login_success ?? 0,
    distinct_usernames_10m: distinctCount(s.usernames, now, 600_000),
    distinct_passwords_10m: distinctCount(s.passwords, now, 600_000),
    distinct_ports_1m: distinctCount(s.ports, now, 60_000),
    distinct_ports_10m: distinctCount(s.ports, now, 600_000),
    commands_total: s.kinds.command ?? 0,
    downloads_total: s.kinds.download ?? 0,
  };
}
