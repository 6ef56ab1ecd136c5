/**
 * Labelled attack injection for replays: builds an attack's Cowrie records at absolute
 * times, from an IP the base stream never uses, and the ground-truth label that covers
 * exactly those records.
 */
import { type CowrieRecord, cowrieTimestamp, type SensorInfo } from "./_cowrie.ts";
import type { Rng } from "./_rng.ts";
import { bruteForce, portScan, publicIp, type Scenario, trafficSpike, unusual } from "./scenarios.ts";

/** What `replay --inject` accepts. */
export const INJECTABLE = ["brute_force", "port_scan", "traffic_spike", "unusual"] as const;
export type Injectable = typeof INJECTABLE[number];

/** Ground truth for one injected attack; `ip` is `"*"` for global ones. */
export interface Label {
  ip: string;
  type: string;
  /** ISO 8601 UTC, at or before the first injected record (ms precision, floored). */
  start: string;
  /** ISO 8601 UTC, at or after the last injected record (ms precision, rounded up). */
  end: string;
}

export interface Injection {
  /** Sorted by `ts`; `record.timestamp` is set. */
  records: { ts: number; record: CowrieRecord }[];
  label: Label;
}

/**
 * Builds one attack starting at `startMs`. Thresholds hold by construction:
 * brute_force >= 10 failed logins within 2 min, port_scan >= 20 distinct ports within 1 min,
 * traffic_spike ~30 s of scanner sessions from many IPs (4x the base rate; 150 to 20 000 IPs), unusual >= 15 distinct commands and
 * >= 3 downloads in one session. `avoid` holds IPs already in use; the new IP is added to it.
 */
export function injectAttack(
  type: Injectable,
  rng: Rng,
  info: SensorInfo,
  startMs: number,
  avoid: Set<string>,
  /** Events per second of the stream it goes into: a traffic spike adds four times that. */
  baseRate = 20,
): Injection {
  const freshIp = () => {
    let ip = publicIp(rng, true);
    while (avoid.has(ip)) ip = publicIp(rng, true);
    avoid.add(ip);
    return ip;
  };
  let sc: Scenario;
  switch (type) {
    case "brute_force":
      sc = bruteForce(rng, info, freshIp(), { failures: rng.int(12, 20), withinMs: 90_000 });
      break;
    case "port_scan":
      sc = portScan(rng, info, freshIp(), { ports: rng.int(22, 30), withinMs: 45_000 });
      break;
    case "traffic_spike":
      // ~4.7 events per scanner session: four times the base volume over the 30 s.
      sc = trafficSpike(rng, info, {
        durationMs: 30_000,
        ips: Math.max(150, Math.ceil((4 * baseRate * 30) / 4.7)),
      });
      for (const s of sc.steps) avoid.add(String(s.record.src_ip));
      break;
    case "unusual":
      sc = unusual(rng, info, freshIp());
      break;
  }
  const records = sc.steps.map((s) => {
    // Microsecond grid, so that the record's own timestamp reads back as `ts`.
    const ts = Math.floor((startMs + s.at) * 1000) / 1000;
    return { ts, record: { ...s.record, timestamp: cowrieTimestamp(ts) } };
  });
  records.sort((a, b) => a.ts - b.ts);
  return {
    records,
    label: {
      ip: sc.ip,
      type,
      start: new Date(Math.floor(records[0].ts)).toISOString(),
      end: new Date(Math.ceil(records[records.length - 1].ts)).toISOString(),
    },
  };
}
