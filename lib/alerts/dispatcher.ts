/**
 * Sends live anomalies (and drift) to the configured webhooks, and nowhere else.
 *
 * Per webhook: filters (severity, types, kinds) -> dedupe (same type, IP and sensor within the
 * window, unless severity rose) -> per-IP cooldown -> either sent at once or gathered into a
 * digest -> signed (HMAC-SHA256) -> POSTed with retries and exponential backoff. Redirects are
 * not followed, so a receiver cannot point the server at another address. Every map is bounded.
 */
import type { Clock } from "../clock.ts";
import type { Hub, HubMessage } from "../hub.ts";
import { log } from "../log.ts";
import type { Registry } from "../metrics.ts";
import { type Severity, severityRank } from "../schema.ts";
import type { AlertsConfig, WebhookConfig } from "./config.ts";
import { type Alert, formatBody, sign } from "./format.ts";

/** Most dedupe / cooldown entries kept per webhook, most alerts in one digest or send queue. */
const MAX_KEYS = 20_000;
const MAX_DIGEST = 200;
const MAX_QUEUE = 1000;
const MAX_BACKOFF_MS = 5 * 60_000;

export interface DispatcherOptions {
  hub: Hub;
  clock: Clock;
  config: AlertsConfig;
  metrics?: Registry;
  /** The fetch used to send (tests pass the real one; a proxy-aware one could go here). */
  fetch?: typeof fetch;
}

/** A map that forgets its oldest entries past a cap. */
class BoundedMap<V> extends Map<string, V> {
  override set(k: string, v: V): this {
    this.delete(k);
    super.set(k, v);
    if (this.size > MAX_KEYS) this.delete(this.keys().next().value!);
    return this;
  }
}

class Webhook {
  readonly dedupe = new BoundedMap<{ at: number; rank: number }>();
  readonly cooldown = new BoundedMap<number>();
  digest: Alert[] = [];
  digestMore = 0;
  queue: { alerts: Alert[]; more: number }[] = [];
  sending: Promise<void> = Promise.resolve();
  constructor(readonly c: WebhookConfig) {}
}

export class AlertDispatcher {
  readonly #o: DispatcherOptions;
  readonly #hooks: Webhook[];
  readonly #untap: () => void;
  readonly #ac = new AbortController();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #m;

  constructor(o: DispatcherOptions) {
    this.#o = o;
    this.#hooks = o.config.webhooks.map((c) => new Webhook(c));
    const m = o.metrics;
    const l = ["webhook"];
    this.#m = m && {
      sent: m.counter("honeywatch_alerts_sent_total", "Webhook messages delivered (2xx)", l),
      alerts: m.counter(
        "honeywatch_alerts_total",
        "Alerts passed to a webhook (after dedupe and cooldown)",
        l,
      ),
      failed: m.counter("honeywatch_alerts_failed_total", "Webhook messages given up after all retries", l),
      retries: m.counter("honeywatch_alerts_retries_total", "Webhook send attempts that were retried", l),
      suppressed: m.counter(
        "honeywatch_alerts_suppressed_total",
        "Alerts not sent, by reason (dedupe, cooldown, queue_full)",
        [...l, "reason"],
      ),
    };
    for (const h of this.#hooks) {
      if (h.c.digest > 0) this.#timers.push(setInterval(() => this.#flushDigest(h), h.c.digest));
    }
    // A hub listener, not a subscriber: accepting is cheap and synchronous; sending is queued.
    this.#untap = o.hub.tap((m) => this.#accept(m));
  }

  #accept(m: HubMessage): void {
    const now = this.#o.clock.now();
    const alert: Alert = { event: m.event as Alert["event"], data: m.data as Alert["data"] };
    for (const h of this.#hooks) {
      const c = h.c;
      if (!c.events.includes(alert.event)) continue;
      if (severityRank(m.data.severity) < severityRank(c.minSeverity as Severity)) continue;
      if (c.types && !c.types.includes(m.data.type)) continue;
      const rank = severityRank(m.data.severity);
      const dkey = `${m.data.type}\u0000${m.data.ip}\u0000${m.data.sensor ?? ""}`;
      const prev = h.dedupe.get(dkey);
      if (prev && now - prev.at < c.dedupe && rank <= prev.rank) {
        this.#m?.suppressed.inc({ webhook: c.name, reason: "dedupe" });
        continue;
      }
      // Global messages (ip "*") cool down per type, so one spike type cannot silence another.
      const ckey = m.data.ip === "*" ? `*\u0000${m.data.type}` : m.data.ip;
      const until = h.cooldown.get(ckey);
      if (until !== undefined && now < until && !(prev && rank > prev.rank)) {
        this.#m?.suppressed.inc({ webhook: c.name, reason: "cooldown" });
        continue;
      }
      h.dedupe.set(dkey, { at: now, rank: Math.max(rank, prev && now - prev.at < c.dedupe ? prev.rank : 0) });
      if (c.cooldown > 0) h.cooldown.set(ckey, now + c.cooldown);
      this.#m?.alerts.inc({ webhook: c.name });
      if (c.digest > 0) {
        if (h.digest.length < MAX_DIGEST) h.digest.push(alert);
        else h.digestMore++;
      } else {
        this.#enqueue(h, [alert], 0);
      }
    }
  }

  #flushDigest(h: Webhook): void {
    if (h.digest.length === 0) return;
    const alerts = h.digest;
    const more = h.digestMore;
    h.digest = [];
    h.digestMore = 0;
    this.#enqueue(h, alerts, more);
  }

  #enqueue(h: Webhook, alerts: Alert[], more: number): void {
    if (h.queue.length >= MAX_QUEUE) {
      h.queue.shift();
      this.#m?.suppressed.inc({ webhook: h.c.name, reason: "queue_full" });
    }
    h.queue.push({ alerts, more });
    // One send at a time per webhook, in order.
    h.sending = h.sending.then(async () => {
      const item = h.queue.shift();
      if (item && !this.#ac.signal.aborted) await this.#send(h, item.alerts, item.more);
    });
  }

  async #send(h: Webhook, alerts: Alert[], more: number): Promise<void> {
    const c = h.c;
    const body = new TextEncoder().encode(
      JSON.stringify(formatBody(c.format, alerts, new Date(this.#o.clock.now()).toISOString(), more)),
    );
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "honeywatch-alerts/1",
    };
    if (c.secret) headers["x-honeywatch-signature"] = await sign(c.secret, body);
    const doFetch = this.#o.fetch ?? fetch;
    for (let attempt = 0;; attempt++) {
      let retryAfterMs = 0;
      let outcome: string;
      try {
        const res = await doFetch(c.url, {
          method: "POST",
          headers,
          body,
          redirect: "manual",
          signal: AbortSignal.any([this.#ac.signal, AbortSignal.timeout(c.timeout)]),
        });
        await res.body?.cancel();
        if (res.status >= 200 && res.status < 300) {
          this.#m?.sent.inc({ webhook: c.name });
          return;
        }
        outcome = `HTTP ${res.status}`;
        if (res.status !== 429 && res.status < 500) {
          // 3xx (not followed) and 4xx: the receiver will not accept this body; do not retry.
          log.warn("webhook refused the alert", { webhook: c.name, status: res.status });
          this.#m?.failed.inc({ webhook: c.name });
          return;
        }
        const ra = Number(res.headers.get("retry-after"));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = Math.min(ra * 1000, MAX_BACKOFF_MS);
      } catch (e) {
        if (this.#ac.signal.aborted) return;
        outcome = String(e);
      }
      if (attempt >= c.retries) {
        log.warn("webhook failed; alert dropped", { webhook: c.name, attempts: attempt + 1, error: outcome });
        this.#m?.failed.inc({ webhook: c.name });
        return;
      }
      this.#m?.retries.inc({ webhook: c.name });
      const backoff = Math.min(c.backoff * 2 ** attempt, MAX_BACKOFF_MS) * (0.75 + Math.random() * 0.5);
      await this.#sleep(Math.max(backoff, retryAfterMs));
      if (this.#ac.signal.aborted) return;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.#ac.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done);
    });
  }

  /** Send pending digests now (tests; shutdown). */
  flushDigests(): void {
    for (const h of this.#hooks) this.#flushDigest(h);
  }

  /** Resolves when every queued message has been sent or given up. */
  async idle(): Promise<void> {
    for (const h of this.#hooks) await h.sending;
  }

  /** Stop: send what a digest holds (one attempt each is not guaranteed), then stop retrying. */
  async close(): Promise<void> {
    this.#untap();
    for (const t of this.#timers) clearInterval(t);
    this.flushDigests();
    // A short grace for sends in flight, then retries stop.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise((r) => (timer = setTimeout(r, 2000)));
    await Promise.race([this.idle(), grace]);
    clearTimeout(timer);
    this.#ac.abort();
    await this.idle();
  }
}
