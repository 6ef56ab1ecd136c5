/** Brute force: >= maxretry failed logins from one IP within findtime (fail2ban's sshd jail). */
import { z } from "zod";
import { clipText, type Hits, hits, hitsAdd, hitsIn } from "../../actors/windows.ts";
import { formatDuration } from "../duration.ts";
import type { NormalisedEvent } from "../schema.ts";
import { type Detector, grade, multiplicity } from "./detector.ts";
import { durationField } from "./_config.ts";

/** Defaults are fail2ban's sshd jail: maxretry 5, findtime 10m. */
export const bruteForceConfig = z.object({
  maxretry: z.number().int().min(1).default(5),
  findtime: durationField.default(600_000),
}).strict();
export type BruteForceConfig = z.infer<typeof bruteForceConfig>;

interface State {
  failed: Hits;
  users: Record<string, number>;
}

/** Keeps the last failed logins with their ids; fires when the window holds maxretry of them. */
export function bruteForce(config: BruteForceConfig): Detector<State> {
  const { maxretry, findtime } = config;
  // Keep enough hits to count well past the threshold, bounded for memory.
  const cap = Math.max(maxretry * 4, 64);
  return {
    name: "brute_force",
    type: "brute_force",
    kinds: new Set(["login_failed"]),
    windowMs: findtime,
    init: () => ({ failed: hits(cap), users: {} }),
    step(s: State, ev: NormalisedEvent) {
      if (ev.kind !== "login_failed") return null;
      for (let k = Math.min(multiplicity(ev), cap); k > 0; k--) hitsAdd(s.failed, ev.ts, ev.id);
      if (ev.username !== undefined) {
        s.users[clipText(ev.username)] = ev.ts; // state is stored per actor: bounded size
        const names = Object.keys(s.users);
        if (names.length > 32) delete s.users[names[0]];
      }
      const { count, ids } = hitsIn(s.failed, ev.ts, findtime);
      if (count < maxretry) return null;
      const from = ev.ts - findtime;
      const users = Object.values(s.users).filter((t) => t > from).length;
      return {
        value: count,
        threshold: maxretry,
        window: { ms: findtime, label: formatDuration(findtime) },
        features: { failed_logins: count, distinct_usernames: users },
        evidence: [...new Set(ids)].slice(-20),
        reason: `${count} failed logins in ${formatDuration(findtime)} (threshold ${maxretry})` +
          (users > 1 ? ` across ${users} usernames` : ""),
        ...grade(count, maxretry),
      };
    },
  };
}
