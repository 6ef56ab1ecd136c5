/**
 * A STIX 2.1 bundle of what honeywatch saw: one `identity` (this system), one `indicator` per
 * attacking IP (pattern `[ipv4-addr:value = '...']`), and one `sighting` of it per sensor
 * with first/last seen and a count. Ids are UUIDv5 of the content, so exporting twice gives
 * the same ids and a TIP (MISP, OpenCTI) updates objects instead of duplicating them.
 * Spec: STIX Version 2.1, OASIS Standard, 10 June 2021, sections 3, 4.7, 4.12, 5.7.
 */
import type { Anomaly } from "../schema.ts";

/** honeywatch's own namespace for UUIDv5 object ids (a fixed random UUID). */
const NAMESPACE = "5e1d7c0a-8a59-4d0e-9a4b-6f3d2b1c0e77";

/** Any STIX object we emit: the common required properties plus the rest. */
export interface StixObject {
  type: string;
  spec_version: "2.1";
  id: string;
  created: string;
  modified: string;
  [k: string]: unknown;
}

export interface StixBundle {
  type: "bundle";
  id: string;
  objects: StixObject[];
}

/** RFC 4122 version-5 UUID of `name` in `namespace`. */
export async function uuidV5(name: string, namespace = NAMESPACE): Promise<string> {
  const ns = namespace.replaceAll("-", "");
  const nsBytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) nsBytes[i] = parseInt(ns.slice(i * 2, i * 2 + 2), 16);
  const nameBytes = new TextEncoder().encode(name);
  const buf = new Uint8Array(16 + nameBytes.length);
  buf.set(nsBytes);
  buf.set(nameBytes, 16);
  const h = new Uint8Array(await crypto.subtle.digest("SHA-1", buf)).slice(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = [...h].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** STIX timestamps: RFC 3339, UTC, `Z`, millisecond precision. */
function ts(ms: number): string {
  return new Date(ms).toISOString();
}

const SEVERITY_CONFIDENCE = { low: 15, medium: 50, high: 75, critical: 90 } as const;

export interface StixOptions {
  /** Name of the producing identity. */
  name: string;
  /** Indicators are valid until the last sighting plus this. */
  validForMs: number;
  /** Bundle creation time (ms). */
  now: number;
}

/** Build a bundle from anomalies (any order). */
export async function stixBundle(anomalies: readonly Anomaly[], o: StixOptions): Promise<StixBundle> {
  const identityId = `identity--${await uuidV5(`identity:${o.name}`)}`;
  const epoch = 0;
  const identity: StixObject = {
    type: "identity",
    spec_version: "2.1",
    id: identityId,
    created: ts(epoch),
    modified: ts(epoch),
    name: o.name,
    identity_class: "system",
    description: "honeywatch: real-time anomaly detection for honeypot, SSH and firewall logs",
  };
  interface Seen {
    ip: string;
    first: number;
    last: number;
    types: Set<string>;
    confidence: number;
    reasons: string[];
    sensors: Map<string, { first: number; last: number; count: number }>;
  }
  const byIp = new Map<string, Seen>();
  for (const a of anomalies) {
    const first = Date.parse(a.ts);
    const last = Date.parse(a.lastTs);
    let s = byIp.get(a.ip);
    if (!s) {
      s = { ip: a.ip, first, last, types: new Set(), confidence: 0, reasons: [], sensors: new Map() };
      byIp.set(a.ip, s);
    }
    s.first = Math.min(s.first, first);
    s.last = Math.max(s.last, last);
    s.types.add(a.type);
    s.confidence = Math.max(s.confidence, SEVERITY_CONFIDENCE[a.severity]);
    if (s.reasons.length < 5) s.reasons.push(a.reason);
    const sensor = a.sensor ?? "unknown";
    const w = s.sensors.get(sensor) ?? { first, last, count: 0 };
    w.first = Math.min(w.first, first);
    w.last = Math.max(w.last, last);
    w.count += a.updates;
    s.sensors.set(sensor, w);
  }
  const objects: StixObject[] = [identity];
  for (const s of [...byIp.values()].sort((x, y) => (x.ip < y.ip ? -1 : 1))) {
    const v6 = s.ip.includes(":");
    const indicatorId = `indicator--${await uuidV5(`indicator:${s.ip}`)}`;
    objects.push({
      type: "indicator",
      spec_version: "2.1",
      id: indicatorId,
      created_by_ref: identityId,
      created: ts(s.first),
      modified: ts(s.last),
      name: `Attacking IP ${s.ip}`,
      description: s.reasons.join(" "),
      indicator_types: ["malicious-activity"],
      pattern: `[${v6 ? "ipv6-addr" : "ipv4-addr"}:value = '${s.ip}']`,
      pattern_type: "stix",
      pattern_version: "2.1",
      valid_from: ts(s.first),
      valid_until: ts(s.last + o.validForMs),
      confidence: s.confidence,
      labels: [...s.types].sort(),
    });
    for (const [sensor, w] of [...s.sensors].sort(([x], [y]) => (x < y ? -1 : 1))) {
      objects.push({
        type: "sighting",
        spec_version: "2.1",
        id: `sighting--${await uuidV5(`sighting:${s.ip}:${sensor}`)}`,
        created_by_ref: identityId,
        created: ts(w.first),
        modified: ts(w.last),
        description: `Seen by sensor ${sensor}`,
        first_seen: ts(w.first),
        // The spec requires last_seen >= first_seen; equal is allowed.
        last_seen: ts(w.last),
        count: Math.min(w.count, 999_999_999),
        sighting_of_ref: indicatorId,
        where_sighted_refs: [identityId],
      });
    }
  }
  return { type: "bundle", id: `bundle--${crypto.randomUUID()}`, objects };
}
