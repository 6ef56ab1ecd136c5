/** The dashboard counters (events/s, active attackers, open anomalies), refreshed from `/api/stats/summary`. */
import { useEffect, useState } from "preact/hooks";
import { formatCount } from "../lib/format.ts";
import type { Summary } from "../lib/stats_query.ts";

export interface CountersProps {
  initial: Summary;
  refreshMs?: number;
}

export function Counters({ initial, refreshMs = 5000 }: CountersProps) {
  const [s, setS] = useState<Summary>(initial);
  useEffect(() => {
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const res = await fetch("/api/stats/summary");
        if (res.ok && !stopped) setS(await res.json());
      } catch { /* offline: keep the last numbers */ }
    }, refreshMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [refreshMs]);
  const minutes = Math.round(s.activeWindowMs / 60_000);
  return (
    <dl class="counters">
      <div class="counter">
        <dt>Events/s</dt>
        <dd data-counter="eps">{formatCount(s.eventsPerSecond)}</dd>
        <dd class="muted">{formatCount(s.eventsLastHour)} in the last hour</dd>
      </div>
      <div class="counter">
        <dt>Active attackers</dt>
        <dd data-counter="attackers">{formatCount(s.activeAttackers)}</dd>
        <dd class="muted">source IPs in the last {minutes} min</dd>
      </div>
      <div class="counter">
        <dt>Open anomalies</dt>
        <dd data-counter="open">{formatCount(s.openAnomalies)}</dd>
        <dd class="muted">still within their window</dd>
      </div>
    </dl>
  );
}
