/**
 * Drift monitoring: ADWIN on the unusual-score stream and on each model feature's stream,
 * Page-Hinkley on traffic levels (in `traffic_spike.ts`). A drift is an event the operator
 * sees: published on the hub (`event: drift`), stored in KV, listed on the Models page, with
 * what shifted (stream, detector, mean before and after) and when (event time).
 */
import { keys } from "../../actors/keys.ts";
import { retryLocked } from "../../actors/store.ts";
import type { LiveFeed } from "../live_feed.ts";
import { Adwin, type AdwinState } from "../models/mod.ts";
import type { Severity } from "../schema.ts";
import { toIso } from "../timestamp.ts";

/** A detected drift, as published and stored. */
export interface DriftEvent {
  id: string;
  type: "drift";
  severity: Severity;
  ip: "*";
  sensor?: string;
  /** The stream that shifted, e.g. `unusual.score`, `feature:distinct_ports_1m`, `rate:*`. */
  stream: string;
  detector: "adwin" | "page_hinkley";
  /** ISO 8601 event time of the detection. */
  ts: string;
  before: number;
  after: number;
  /** What the models did about it, e.g. `swapped in a model trained on the last 250 vectors`. */
  action: string;
  reason: string;
}

/** ADWIN per named stream (values in [0, 1]). */
export class AdwinBank {
  readonly adwins = new Map<string, Adwin>();
  readonly #max: number;

  constructor(max = 64) {
    this.#max = max;
  }

  /** Feed one value; when ADWIN cuts its window, returns the mean of the dropped part and of the rest. */
  update(stream: string, x: number): { before: number; after: number } | null {
    let a = this.adwins.get(stream);
    if (!a) {
      if (this.adwins.size >= this.#max) return null;
      this.adwins.set(stream, a = new Adwin({ delta: 0.002 }));
    }
    const total = a.total + x;
    const width = a.width + 1;
    if (!a.update(x)) return null;
    // Before: the mean of what the cut dropped (the old regime); after: what remains.
    const dropped = width - a.width;
    return { before: dropped > 0 ? (total - a.total) / dropped : a.estimation, after: a.estimation };
  }

  toJSON(): Record<string, AdwinState> {
    return Object.fromEntries([...this.adwins].map(([k, a]) => [k, a.toJSON()]));
  }

  static fromJSON(s: Record<string, AdwinState>): AdwinBank {
    const b = new AdwinBank();
    for (const [k, a] of Object.entries(s)) b.adwins.set(k, Adwin.fromJSON(a));
    return b;
  }
}

/** Build a drift event. */
export function driftEvent(
  stream: string,
  detector: DriftEvent["detector"],
  at: number,
  before: number,
  after: number,
  action: string,
): DriftEvent {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const up = after > before ? "rose" : "fell";
  const big = Math.abs(after - before) >= 0.5 * Math.max(Math.abs(before), 0.05);
  return {
    id: `drift-${stream}-${at}`,
    type: "drift",
    severity: big ? "medium" : "low",
    ip: "*",
    ...(stream.startsWith("rate:sensor:") ? { sensor: stream.slice(12) } : {}),
    stream,
    detector,
    ts: toIso(at),
    before: r(before),
    after: r(after),
    action,
    reason: `${stream} ${up} from ${r(before)} to ${r(after)} (${
      detector === "adwin" ? "ADWIN" : "Page-Hinkley"
    })`,
  };
}

/** Store drift events (kept for `retentionMs`); with `feed`, the commit also carries them to other instances. */
export async function storeDrifts(
  kv: Deno.Kv,
  drifts: readonly DriftEvent[],
  retentionMs: number,
  feed?: LiveFeed,
) {
  if (drifts.length === 0) return;
  const op = kv.atomic();
  for (const d of drifts) op.set(keys.drift(Date.parse(d.ts), d.id), d, { expireIn: retentionMs });
  if (feed) await feed.commit(op, "drift", drifts);
  else await retryLocked(() => op.commit());
}

/** Latest drift events, newest first. */
export async function listDrifts(kv: Deno.Kv, limit = 100): Promise<DriftEvent[]> {
  const out: DriftEvent[] = [];
  for await (const e of kv.list<DriftEvent>({ prefix: keys.driftPrefix() }, { reverse: true, limit })) {
    out.push(e.value);
  }
  return out;
}
