/**
 * Bounded fan-out of live messages (anomalies, drift) to SSE and WebSocket subscribers.
 * Each subscriber has a small queue that drops the oldest message and counts what it
 * dropped, so a slow browser never slows ingest. Messages of other instances on the same KV
 * arrive through `lib/live_feed.ts` and `publishRemote`.
 */
import { log } from "./log.ts";
import { type Anomaly, type Severity, severityRank } from "./schema.ts";

/** Kinds of live message; each is an SSE `event:` name and a WebSocket message `type`. */
export type HubEvent = "anomaly" | "drift";

/**
 * A message on the hub; `json` is encoded once and shared by every subscriber. Every kind's
 * data has `type`, `severity`, `ip` (`"*"` for global ones) and optional `sensor`, so one
 * filter fits all.
 */
export interface HubMessage {
  /** Increasing per process; SSE `id:` for Last-Event-ID. */
  seq: number;
  event: HubEvent;
  data: HubData;
  json: string;
}

/** The fields filters look at. */
export interface HubData {
  type: string;
  severity: Severity;
  ip: string;
  sensor?: string;
}

/** Which messages a subscriber wants (`?type=&minSeverity=&ip=&sensor=`). */
export interface HubFilter {
  /** Message kinds wanted; all when absent. */
  events?: ReadonlySet<HubEvent>;
  types?: ReadonlySet<string>;
  minSeverity?: Severity;
  ip?: string;
  sensor?: string;
}

/** Does `m` pass `f`? */
export function matches(f: HubFilter, m: HubMessage): boolean {
  if (f.events && !f.events.has(m.event)) return false;
  const a = m.data;
  if (f.types && f.types.size > 0 && !f.types.has(a.type)) return false;
  if (f.minSeverity && severityRank(a.severity) < severityRank(f.minSeverity)) return false;
  if (f.ip && a.ip !== f.ip) return false;
  if (f.sensor && a.sensor !== f.sensor) return false;
  return true;
}

/** One subscriber's queue. `wake` is called (at most once per take) when messages arrive. */
export class Subscription {
  queue: HubMessage[] = [];
  dropped = 0;
  #wake: (() => void) | null = null;
  constructor(readonly filter: HubFilter, readonly cap: number, private readonly hub: Hub) {}

  /** Queue a message, dropping the oldest past the cap. */
  push(m: HubMessage): void {
    this.queue.push(m);
    if (this.queue.length > this.cap) {
      this.queue.shift();
      this.dropped++;
      this.hub.dropped++;
    }
    const w = this.#wake;
    if (w) {
      this.#wake = null;
      w();
    }
  }

  /** Take everything queued. */
  take(): HubMessage[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  /** Resolves when at least one message is queued (or at once if some are). */
  wait(): Promise<void> {
    if (this.queue.length > 0) return Promise.resolve();
    return new Promise((resolve) => (this.#wake = resolve));
  }

  close(): void {
    this.hub.unsubscribe(this);
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }
}

/** The process-wide hub. */
export class Hub {
  #subs = new Set<Subscription>();
  #seq = 0;
  /** Recent messages, for subscribers that resume with Last-Event-ID. */
  #recent: HubMessage[] = [];
  /** Messages raised by this instance. */
  published = 0;
  /** Messages of other instances, relayed by the live feed. */
  received = 0;
  dropped = 0;
  /** In-process listeners (metrics, alert webhooks): called on every publish, not counted as subscribers. */
  readonly #taps = new Set<(m: HubMessage) => void>();

  constructor(readonly recentCap = 500) {}

  /** Call `fn` synchronously on every published message; returns the function that removes it. */
  tap(fn: (m: HubMessage) => void): () => void {
    this.#taps.add(fn);
    return () => this.#taps.delete(fn);
  }

  get subscribers(): number {
    return this.#subs.size;
  }

  /**
   * Subscribe with a filter. With `after`, messages newer than that seq still in the
   * recent ring are queued first (resume after a reconnect).
   */
  subscribe(filter: HubFilter, cap = 256, after?: number): Subscription {
    const s = new Subscription(filter, cap, this);
    if (after !== undefined) {
      for (const m of this.#recent) if (m.seq > after && matches(filter, m)) s.push(m);
    }
    this.#subs.add(s);
    return s;
  }

  unsubscribe(s: Subscription): void {
    this.#subs.delete(s);
  }

  publishAnomalies(anomalies: readonly Anomaly[]): void {
    for (const a of anomalies) this.publish("anomaly", a);
  }

  /** Publish one message of any kind to every matching subscriber and every tap. */
  publish(event: HubEvent, data: HubData): void {
    const m = this.#deliver(event, data, JSON.stringify(data));
    this.published++;
    for (const t of this.#taps) {
      try {
        t(m);
      } catch (e) {
        log.error("hub listener failed", { error: String(e) });
      }
    }
  }

  /**
   * Deliver a message another instance raised (and already published, counted and alerted
   * on) to this instance's subscribers. Taps do not see it, so metrics and webhooks stay once
   * per message across instances.
   */
  publishRemote(event: HubEvent, data: HubData, json: string): void {
    this.#deliver(event, data, json);
    this.received++;
  }

  #deliver(event: HubEvent, data: HubData, json: string): HubMessage {
    const m: HubMessage = { seq: ++this.#seq, event, data, json };
    this.#recent.push(m);
    if (this.#recent.length > this.recentCap) this.#recent.shift();
    for (const s of this.#subs) if (matches(s.filter, m)) s.push(m);
    return m;
  }
}
