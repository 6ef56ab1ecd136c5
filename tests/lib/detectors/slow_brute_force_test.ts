import assert from "node:assert/strict";
import type { Detector, Firing } from "../../../lib/detectors/detector.ts";
import { buildDetectors } from "../../../lib/detectors/registry.ts";
import { slowBruteForce, slowBruteForceConfig } from "../../../lib/detectors/slow_brute_force.ts";
import type { NormalisedEvent } from "../../../lib/schema.ts";
import { ev, failed } from "./_events.ts";

function run(d: Detector, events: NormalisedEvent[]): (Firing | null)[] {
  const s = d.init();
  return events.map((e) => d.step(s, e));
}

const CAPACITY = 10;
const LEAK = 60_000;
/** CrowdSec's ssh-slow-bf values (the semantics these tests pin); our defaults are tested below. */
const defaults = () => slowBruteForce(slowBruteForceConfig.parse({ leakspeed: "60s", minSpan: 0 }));
/** One failure every `every` ms, `n` of them. */
const every = (every: number, n: number) => Array.from({ length: n }, (_, i) => failed(i * every));

/**
 * The 1-based index of the failure that overflows, from the leak formula in the module: before
 * each pour the level drains by `dt / leakspeed` (not below 0), then rises by 1; it overflows
 * when it is above capacity.
 */
function expectedOverflow(interval: number, capacity: number, leakspeed: number): number {
  let level = 0;
  for (let n = 1; n < 10_000; n++) {
    level = Math.max(0, level - (n === 1 ? 0 : interval / leakspeed)) + 1;
    if (level > capacity) return n;
  }
  return Infinity;
}

Deno.test("slowBruteForce - with CrowdSec ssh-slow-bf values: capacity 10, leaking 1 per 60 s", () => {
  const d = defaults();
  assert.equal(d.name, "slow_brute_force");
  assert.equal(d.type, "slow_brute_force");
  // An attack stays one anomaly for as long as a full bucket takes to drain.
  assert.equal(d.windowMs, CAPACITY * LEAK);
});

Deno.test("slowBruteForce - one failure every 30 s overflows at the count the leak formula gives", () => {
  const n = expectedOverflow(30_000, CAPACITY, LEAK);
  assert.equal(n, 20); // level after k failures is 1 + 0.5 (k - 1): 10.5 > 10 at k = 20
  const out = run(defaults(), every(30_000, n + 5));
  assert.ok(out.slice(0, n - 1).every((f) => f === null), `nothing before failure ${n}`);
  const f = out[n - 1];
  assert.ok(f, `failure ${n} overflows`);
  assert.equal(f.value, 10.5);
  assert.equal(f.threshold, CAPACITY);
  assert.deepEqual(f.window, { ms: LEAK, label: "leak 1/1m" });
  assert.deepEqual(f.features, { bucket_level: 10.5, failed_logins: 20, span_s: 570 });
  assert.equal(f.evidence.length, 20);
  assert.deepEqual(f.evidence, every(30_000, 20).map((e) => e.id));
  assert.equal(
    f.reason,
    "20 failed logins over 570s overflowed a leaky bucket of capacity 10 draining 1 per 1m",
  );
  assert.equal(f.severity, "medium");
  // Still overflowing afterwards, the level keeps rising by 0.5.
  assert.equal(out[n]?.value, 11);
});

Deno.test("slowBruteForce - one failure every 61 s never overflows", () => {
  assert.equal(expectedOverflow(61_000, CAPACITY, LEAK), Infinity);
  assert.ok(run(defaults(), every(61_000, 2000)).every((f) => f === null));
});

Deno.test("slowBruteForce - one failure every 60 s holds the level at 1", () => {
  const d = defaults();
  const s = d.init();
  for (const e of every(60_000, 500)) assert.equal(d.step(s, e), null);
});

Deno.test("slowBruteForce - a full bucket holds capacity; one more overflows", () => {
  const out = run(defaults(), Array.from({ length: 11 }, (_, i) => failed(0, { id: `b${i}` })));
  assert.ok(out.slice(0, 10).every((f) => f === null));
  assert.equal(out[10]?.value, 11);
  assert.equal(
    out[10]?.reason,
    "11 failed logins over 1s overflowed a leaky bucket of capacity 10 draining 1 per 1m",
  );
});

Deno.test("slowBruteForce - counts only login_failed", () => {
  const kinds: NormalisedEvent["kind"][] = ["connect", "login_success", "command", "client_version"];
  const events = Array.from({ length: 100 }, (_, i) => ev(i, { kind: kinds[i % kinds.length] }));
  assert.ok(run(defaults(), events).every((f) => f === null));
});

Deno.test("slowBruteForce - a drained bucket starts over: failures and evidence count from the drain", () => {
  const d = defaults();
  const s = d.init();
  for (let i = 0; i < 11; i++) d.step(s, failed(i));
  // 11 levels drain in 11 minutes; a little more and the bucket is empty.
  const after = 12 * LEAK;
  const out = Array.from({ length: 11 }, (_, i) => d.step(s, failed(after + i)));
  assert.ok(out.slice(0, 10).every((f) => f === null));
  assert.equal(out[10]?.features.failed_logins, 11);
  assert.equal(out[10]?.evidence[0], `e${after}`);
});

Deno.test("slowBruteForce - config overrides capacity and leakspeed", () => {
  const d = buildDetectors({ slow_brute_force: { capacity: 3, leakspeed: "10s", minSpan: 0 } })
    .find((x) => x.name === "slow_brute_force")!;
  assert.equal(d.windowMs, 30_000);
  // Every 5 s the level drains 0.5 and rises 1: 1, 1.5, 2, 2.5, 3, 3.5 > 3 at the 6th.
  assert.equal(expectedOverflow(5_000, 3, 10_000), 6);
  const out = run(d, every(5_000, 6));
  assert.ok(out.slice(0, 5).every((f) => f === null));
  assert.equal(out[5]?.value, 3.5);
  assert.equal(out[5]?.window.label, "leak 1/10s");
});

Deno.test("slowBruteForce - a folded repeat (raw.repeated) pours that many", () => {
  const out = run(defaults(), [failed(0, { raw: { repeated: 10 } }), failed(0)]);
  assert.equal(out[0], null);
  assert.equal(out[1]?.value, 11);
  assert.equal(out[1]?.features.failed_logins, 11);
});

Deno.test("slowBruteForce - defaults catch one attempt every 3 min (fail2ban misses it) but not a fast burst", () => {
  const d = slowBruteForce(slowBruteForceConfig.parse({}));
  // Every 3 min: fail2ban's 5 failures in 10 min never happen; the bucket (1 per 10 min) fills.
  const slow = run(d, every(180_000, 30));
  const first = slow.findIndex((f) => f !== null);
  // level after k attempts: 1 + (k-1) * (1 - 0.3) > 10  <=>  k > 13.86
  assert.equal(first, 13);
  assert.equal(slow[first]?.features.span_s, 13 * 180);
  // 30 failures within a minute fill the bucket but span less than 10 min: left to brute_force.
  const fast = run(slowBruteForce(slowBruteForceConfig.parse({})), every(2_000, 30));
  assert.ok(fast.every((f) => f === null));
});
