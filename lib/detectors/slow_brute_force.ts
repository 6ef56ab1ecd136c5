/**
 * Slow brute force: a leaky bucket of failed logins per IP, in the manner of CrowdSec's
 * crowdsecurity/ssh-slow-bf (capacity 10, leakspeed 60s): the bucket drains one event
 * per `leakspeed` and overflows when it holds more than `capacity`.
 */
import { z } from "zod";
import { formatDuration } from "../duration.ts";
import type { NormalisedEvent } from "../schema.ts";
import { type Detector, grade, multiplicity } from "./detector.ts";
import { durationField } from "./_config.ts";

export const slowBruteForceConfig = z.object({
  capacity: z.number().int().min(1).default(10),
  leakspeed: durationField.default(60_000),
}).strict();
export type SlowBruteForceConfig = z.infer<typeof slowBruteForceConfig>;

interface State {
  level: number;
  at: number;
  poured: number;
  ids: string[];
  since: number;
}

export function slowBruteForce(config: SlowBruteForceConfig): Detector<State> {
  const { capacity, leakspeed } = config;
  return {
    name: "slow_brute_force",
    type: "slow_brute_force",
    // A slow attack stays one anomaly while the bucket has not drained.
    windowMs: capacity * leakspeed,
    init: () => ({ level: 0, at: 0, poured: 0, ids: [], since: 0 }),
    step(s: State, ev: NormalisedEvent) {
      if (ev.kind !== "login_failed") return null;
      const dt = Math.max(0, ev.ts - s.at);
      s.level = Math.max(0, s.level - dt / leakspeed);
      if (s.level === 0) {
        s.poured = 0;
        s.ids = [];
        s.since = ev.ts;
      }
      if (ev.ts > s.at) s.at = ev.ts;
      const n = multiplicity(ev);
      s.level += n;
      s.poured += n;
      s.ids.push(ev.id);
      if (s.ids.length > 20) s.ids.shift();
      if (s.level <= capacity) return null;
      const level = Math.round(s.level * 100) / 100;
      const span = ev.ts - s.since;
      return {
        value: level,
        threshold: capacity,
        window: { ms: leakspeed, label: `leak 1/${formatDuration(leakspeed)}` },
        features: { bucket_level: level, failed_logins: s.poured, span_s: Math.round(span / 1000) },
        evidence: [...s.ids],
        reason: `${s.poured} failed logins over ${formatDuration(Math.max(1000, span - (span % 1000)))} ` +
          `overflowed a leaky bucket of capacity ${capacity} draining 1 per ${formatDuration(leakspeed)}`,
        ...grade(level, capacity),
      };
    },
  };
}
