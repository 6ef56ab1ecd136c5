/**
 * Token buckets per key (sensor, client IP): `rate` tokens a second up to `burst`. Keys come
 * from clients, so the map is bounded; the least recently used bucket is dropped past it
 * (a dropped key starts again full, which only ever errs on the side of letting through).
 */

export interface RateLimitOptions {
  /** Tokens added per second. */
  rate: number;
  /** Bucket size: the most taken at once after a quiet spell. */
  burst: number;
  /** Most keys tracked. */
  maxKeys?: number;
  now: () => number;
}

/** The outcome of `take`: allowed, or how long until `n` tokens are there. */
export type Take = { ok: true } | { ok: false; retryAfterMs: number };

export class RateLimiter {
  readonly #o: RateLimitOptions;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  /** Takes refused so far (for metrics). */
  limited = 0;

  constructor(o: RateLimitOptions) {
    if (!(o.rate > 0) || !(o.burst >= 1)) {
      throw new RangeError(`Rate limit needs rate > 0 and burst >= 1 (got ${o.rate}, ${o.burst})`);
    }
    this.#o = o;
  }

  /** Take `n` tokens from `key`'s bucket. A request larger than the burst waits for a full bucket. */
  take(key: string, n = 1): Take {
    const now = this.#o.now();
    let b = this.#buckets.get(key);
    if (b) {
      this.#buckets.delete(key); // re-insert: most recently used last
      b.tokens = Math.min(this.#o.burst, b.tokens + ((now - b.at) / 1000) * this.#o.rate);
      b.at = now;
    } else {
      b = { tokens: this.#o.burst, at: now };
    }
    this.#buckets.set(key, b);
    if (this.#buckets.size > (this.#o.maxKeys ?? 100_000)) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    const need = Math.min(n, this.#o.burst);
    if (b.tokens >= need) {
      b.tokens -= n; // may go below zero for an oversized request: it is paid back before the next
      return { ok: true };
    }
    this.limited++;
    return { ok: false, retryAfterMs: Math.ceil(((need - b.tokens) / this.#o.rate) * 1000) };
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.#buckets.size;
  }
}
