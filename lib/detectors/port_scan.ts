/**
 * Port scan: many distinct destination ports from one IP within a short window, like
 * CrowdSec's crowdsecurity/iptables-scan-multi_ports (15 distinct ports).
 */
import { z } from "zod";
import { type Distinct, distinct, distinctAdd, distinctCount, distinctValues } from "../../actors/windows.ts";
import { formatDuration } from "../duration.ts";
import type { NormalisedEvent } from "../schema.ts";
import { type Detector, grade } from "./detector.ts";
import { durationField } from "./_config.ts";

export const portScanConfig = z.object({
  ports: z.number().int().min(2).default(15),
  window: durationField.default(60_000),
}).strict();
export type PortScanConfig = z.infer<typeof portScanConfig>;

interface State {
  ports: Distinct;
  /** First sighting (in its window) of each port: [ts, event id], newest last, bounded. */
  ids: [number, string][];
}

/**
 * Kinds that name a destination port the source tried to reach. `connect` is left out: on a
 * honeypot or sshd its port is the listening one (22, 2222), not one the source chose.
 */
const PORT_KINDS = new Set(["tcpip_request", "firewall", "conn"]);

export function portScan(config: PortScanConfig): Detector<State> {
  const { ports, window } = config;
  return {
    name: "port_scan",
    type: "port_scan",
    kinds: PORT_KINDS,
    windowMs: window,
    init: () => ({ ports: distinct(Math.max(ports * 4, 128)), ids: [] }),
    step(s: State, ev: NormalisedEvent) {
      if (ev.dst_port === undefined || !PORT_KINDS.has(ev.kind)) return null;
      const key = String(ev.dst_port);
      const isNew = s.ports.v[key] === undefined || s.ports.v[key] <= ev.ts - window;
      distinctAdd(s.ports, key, ev.ts);
      if (isNew) {
        s.ids.push([ev.ts, ev.id]);
        if (s.ids.length > 20) s.ids.shift();
      }
      const n = distinctCount(s.ports, ev.ts, window);
      if (n < ports) return null;
      const sample = distinctValues(s.ports, ev.ts, window, 10).map(Number).sort((a, b) => a - b);
      return {
        value: n,
        threshold: ports,
        window: { ms: window, label: formatDuration(window) },
        features: { distinct_ports: n, lowest_port: sample[0] ?? 0, highest_port: sample.at(-1) ?? 0 },
        evidence: s.ids.filter(([t]) => t > ev.ts - window && t <= ev.ts).map(([, id]) => id),
        reason: `${n} distinct destination ports in ${formatDuration(window)} (threshold ${ports}), ` +
          `e.g. ${sample.join(", ")}`,
        ...grade(n, ports),
      };
    },
  };
}
