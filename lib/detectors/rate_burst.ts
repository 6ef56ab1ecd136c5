/** Request-rate burst: at least `events` events from one IP within `window` (any kind). */
import { z } from "zod";
import { bucketAdd, type Buckets, buckets, bucketSum } from "../../actors/windows.ts";
import { formatDuration } from "../duration.ts";
import type { NormalisedEvent } from "../schema.ts";
import { type Detector, grade } from "./detector.ts";
import { durationField } from "./_config.ts";

export const rateBurstConfig = z.object({
  events: z.number().int().min(2).default(100),
  window: durationField.default(10_000),
}).strict();
export type RateBurstConfig = z.infer<typeof rateBurstConfig>;

interface State {
  w: Buckets;
  ids: string[];
}

export function rateBurst(config: RateBurstConfig): Detector<State> {
  const { events, window } = config;
  // Ten buckets per window: the count is exact to a tenth of the window.
  const size = Math.max(1, Math.floor(window / 10));
  return {
    name: "rate_burst",
    type: "rate_burst",
    windowMs: window,
    init: () => ({ w: buckets(size, 12), ids: [] }),
    step(s: State, ev: NormalisedEvent) {
      bucketAdd(s.w, ev.ts);
      s.ids.push(ev.id);
      if (s.ids.length > 10) s.ids.shift();
      const n = bucketSum(s.w, ev.ts, window);
      if (n < events) return null;
      const perS = Math.round((n / window) * 1000 * 10) / 10;
      return {
        value: n,
        threshold: events,
        window: { ms: window, label: formatDuration(window) },
        features: { events: n, events_per_s: perS },
        evidence: [...s.ids],
        reason: `${n} events in ${formatDuration(window)} (${perS}/s; threshold ${events})`,
        ...grade(n, events),
      };
    },
  };
}
