/**
 * Cross-source correlation: an IP that touched a honeypot sensor and now shows up in the logs
 * (sshd, firewall, Zeek) of a production sensor raises a high-severity `cross_source` anomaly
 * that shows both sides — the honeypot events and the production ones. A successful
 * production login by such an IP is critical.
 *
 * Roles come from the configuration file or the collector's hello; a sensor that sends Cowrie
 * events is a honeypot unless configured otherwise. Sensors with no known role are ignored.
 */
import type { ActorState } from "../actors/actor.ts";
import { scanEvents } from "./event_log.ts";
import type { BatchObserver, ObservedBatch } from "./pipeline.ts";
import type { Anomaly, NormalisedEvent, Severity } from "./schema.ts";
import { toIso } from "./timestamp.ts";

export type SensorRole = "honeypot" | "production";

export interface CrossSourceOptions {
  kv: Deno.Kv;
  /** The declared role of a sensor (configuration first, then the collector's hello). */
  roleOf(sensor: string): SensorRole | undefined;
  /** Open correlations kept (one per IP and production sensor); least recent dropped past it. */
  maxOpen?: number;
}

interface Open {
  anomaly: Anomaly;
  emittedAt: number;
  honeypotIds: string[];
  productionIds: string[];
}

const UPDATE_EVERY_MS = 5_000;
const MAX_SENSORS_INFERRED = 1000;

/** Build the `cross_source` observer. */
export function crossSource(o: CrossSourceOptions): BatchObserver {
  const maxOpen = o.maxOpen ?? 10_000;
  const cowrieSensors = new Set<string>();
  const open = new Map<string, Open>();
  /** IP and production sensor -> the other sensors seen when the log showed no honeypot event. */
  const checked = new Map<string, string>();
  const roleOf = (sensor: string): SensorRole | undefined =>
    o.roleOf(sensor) ?? (cowrieSensors.has(sensor) ? "honeypot" : undefined);

  return {
    name: "cross_source",
    async observe(batch: ObservedBatch): Promise<Anomaly[]> {
      if (batch.source === "cowrie" && o.roleOf(batch.sensor) === undefined) {
        if (cowrieSensors.size < MAX_SENSORS_INFERRED) cowrieSensors.add(batch.sensor);
      }
      if (roleOf(batch.sensor) !== "production") return [];
      const byIp = new Map<string, NormalisedEvent[]>();
      for (const ev of batch.events) {
        const list = byIp.get(ev.src_ip);
        if (list) list.push(ev);
        else byIp.set(ev.src_ip, [ev]);
      }
      const out: Anomaly[] = [];
      for (const [ip, events] of byIp) {
        const key = `${ip}\u0000${batch.sensor}`;
        let cur = open.get(key);
        if (!cur) {
          const actor: ActorState | null = batch.actors.peek(ip) ?? await batch.actors.get(ip);
          const others = (actor?.sensors ?? []).filter((s) =>
            s !== batch.sensor && roleOf(s) !== "production"
          );
          if (others.length === 0) continue;
          // Look the event log up once per set of sensors the IP was seen on.
          const seen = others.join("\u0000");
          if (checked.get(key) === seen) continue;
          // A honeypot event: from a sensor declared (or inferred) a honeypot, or a Cowrie event
          // (after a restart a honeypot's role is known only once it sends again).
          const side = await honeypotSide(
            o.kv,
            ip,
            (e) => others.includes(e.sensor) && (e.source === "cowrie" || roleOf(e.sensor) === "honeypot"),
          );
          if (side.length === 0) {
            checked.delete(key);
            checked.set(key, seen);
            if (checked.size > maxOpen) checked.delete(checked.keys().next().value!);
            continue;
          }
          const honeypots = [...new Set(side.map((e) => e.sensor))].sort();
          cur = start(ip, batch.sensor, batch.source, honeypots, side, events[0]);
          if (open.size >= maxOpen) open.delete(open.keys().next().value!);
        } else open.delete(key); // re-insert below: Map order is the LRU order
        open.set(key, cur);
        const a = update(cur, events);
        if (a) out.push(a);
      }
      return out;
    },
  };
}

/** The IP's most recent honeypot events (newest first, at most 10) from the event log. */
async function honeypotSide(
  kv: Deno.Kv,
  ip: string,
  isHoneypot: (e: NormalisedEvent) => boolean,
): Promise<NormalisedEvent[]> {
  const out: NormalisedEvent[] = [];
  let scanned = 0;
  for await (const e of scanEvents(kv, { ip })) {
    if (isHoneypot(e)) out.push(e);
    if (out.length >= 10 || ++scanned >= 500) break;
  }
  return out;
}

function start(
  ip: string,
  sensor: string,
  source: string,
  honeypots: string[],
  side: NormalisedEvent[],
  first: NormalisedEvent,
): Open {
  const kinds: Record<string, number> = {};
  for (const e of [...side].reverse()) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  const lastHoneypot = Math.max(...side.map((e) => e.ts));
  const summary = Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ");
  return {
    emittedAt: -Infinity,
    honeypotIds: side.map((e) => e.id).reverse(),
    productionIds: [],
    anomaly: {
      id: `cross_source-${ip}-${sensor}`,
      type: "cross_source",
      detector: "cross_source",
      ip,
      sensor,
      ts: toIso(first.ts),
      lastTs: toIso(first.ts),
      severity: "high",
      score: 0.9,
      reason:
        `${ip} attacked honeypot ${honeypots.join(", ")} (recent: ${summary}; last ${toIso(lastHoneypot)}) ` +
        `and now appears in production ${source} logs of ${sensor}`,
      window: { ms: 0, label: "" },
      threshold: 1,
      value: 0,
      features: {
        honeypot_sensors: honeypots.length,
        honeypot_events_recent: side.length,
        minutes_since_honeypot: Math.max(0, Math.round((first.ts - lastHoneypot) / 60_000)),
        production_events: 0,
        production_logins_failed: 0,
        production_logins_success: 0,
      },
      evidence: [],
      updates: 0,
      status: "open",
    },
  };
}

/** Count the new production events; returns the anomaly when it is due to be (re-)emitted. */
function update(cur: Open, events: NormalisedEvent[]): Anomaly | null {
  const a = cur.anomaly;
  const f = a.features;
  const before: Severity = a.severity;
  let last = Date.parse(a.lastTs);
  for (const e of events) {
    f.production_events++;
    if (e.kind === "login_failed") f.production_logins_failed++;
    if (e.kind === "login_success") f.production_logins_success++;
    if (e.ts > last) last = e.ts;
    if (!cur.productionIds.includes(e.id)) {
      cur.productionIds.push(e.id);
      if (cur.productionIds.length > 20) cur.productionIds.splice(5, 1);
    }
  }
  a.lastTs = toIso(last);
  a.value = f.production_events;
  // The window is how long ago the honeypot saw the IP: the span the correlation covers.
  const spanMs = Math.max(0, last - Date.parse(a.ts)) + f.minutes_since_honeypot * 60_000;
  a.window = { ms: spanMs, label: `${Math.round(spanMs / 60_000)}m` };
  if (f.production_logins_success > 0) {
    a.severity = "critical";
    a.score = 1;
  }
  a.evidence = [...cur.honeypotIds, ...cur.productionIds];
  const escalated = a.severity !== before;
  if (!escalated && last - cur.emittedAt < UPDATE_EVERY_MS) return null;
  cur.emittedAt = last;
  a.updates++;
  const detail = `; ${f.production_events} production events (${f.production_logins_failed} failed, ` +
    `${f.production_logins_success} successful logins)`;
  return { ...a, reason: a.reason + detail, features: { ...f }, evidence: [...a.evidence] };
}
