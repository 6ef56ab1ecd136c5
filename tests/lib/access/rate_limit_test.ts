import assert from "node:assert/strict";
import { RateLimiter } from "../../../lib/access/rate_limit.ts";

Deno.test("RateLimiter - a burst is allowed, then one token per 1/rate seconds, per key", () => {
  let now = 0;
  const rl = new RateLimiter({ rate: 2, burst: 4, now: () => now });
  for (let i = 0; i < 4; i++) assert.deepEqual(rl.take("a"), { ok: true });
  assert.deepEqual(rl.take("a"), { ok: false, retryAfterMs: 500 });
  assert.deepEqual(rl.take("b"), { ok: true }, "other keys have their own bucket");
  now = 500;
  assert.deepEqual(rl.take("a"), { ok: true });
  assert.equal(rl.take("a").ok, false);
  now = 100_000;
  for (let i = 0; i < 4; i++) assert.equal(rl.take("a").ok, true, "refills only up to the burst");
  assert.equal(rl.take("a").ok, false);
});

Deno.test("RateLimiter - a take of many tokens pays for all of them", () => {
  let now = 0;
  const rl = new RateLimiter({ rate: 100, burst: 1000, now: () => now });
  assert.equal(rl.take("s", 900).ok, true);
  const r = rl.take("s", 400);
  assert.deepEqual(r, { ok: false, retryAfterMs: 3000 });
  now = 3000;
  assert.equal(rl.take("s", 400).ok, true);
});

Deno.test("RateLimiter - the number of keys is bounded", () => {
  const rl = new RateLimiter({ rate: 1, burst: 1, maxKeys: 100, now: () => 0 });
  for (let i = 0; i < 1000; i++) rl.take(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(rl.size, 100);
  assert.throws(() => new RateLimiter({ rate: 0, burst: 1, now: () => 0 }), /rate > 0/);
});
