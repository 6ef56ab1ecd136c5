/**
 * Slow brute force: a leaky bucket of failed logins per IP, in the manner of CrowdSec's
 * crowdsecurity/ssh-slow-bf: the bucket drains one event per `leakspeed` and overflows when
 * it holds more than `capacity`.
 *
 * CrowdSec's own values (capacity 10, leakspeed 60s) only overflow for more than one attempt a
 * minute, which fail2ban's 5-in-10-minutes already catches. Our defaults aim at what that
 * window misses: one attempt every few minutes for an hour or more (leakspeed 10m), and the
 * bucket must have been filling for `minSpan` (10m) so a fast burst is left to `brute_force`.
 * `{ "leakspeed": "60s", "minSpan": 0 }` gives CrowdSec's exact behaviour.
 */
import { z } from "zod";
import { formatDuration } from "../duration.ts";
import type { NormalisedEvent } from "../schema.ts";
import { type Detector, grade, multiplicity } from "./detector.ts";
import { durationField } from "./_config.ts";

export const slowBruteForceConfig = z.object({
  capacity: z.number().int().min(1).default(10),
  leakspeed: durationField.default(600_000),
  minSpan: z.union([z.literal(0), durationField]).default(600_000),
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
  const { capacity, leakspeed, minSpan } = config;
  return {
    name: "slow_brute_force",
    type: "slow_brute_force",
    kinds: new Set(["login_failed"]),
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
      const span = ev.ts - s.since;
      if (s.level <= capacity || span < minSpan) return null;
      const level = Math.round(s.level * 100) / 100;
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
