import assert from "node:assert/strict";
import type { Detector, Firing } from "../../../lib/detectors/detector.ts";
import { rateBurst, rateBurstConfig } from "../../../lib/detectors/rate_burst.ts";
import { buildDetectors } from "../../../lib/detectors/registry.ts";
import type { NormalisedEvent } from "../../../lib/schema.ts";
import { ev } from "./_events.ts";

function run(d: Detector, events: NormalisedEvent[]): (Firing | null)[] {
  const s = d.init();
  return events.map((e) => d.step(s, e));
}

const defaults = () => rateBurst(rateBurstConfig.parse({}));
const KINDS: NormalisedEvent["kind"][] = ["connect", "client_version", "login_failed", "command", "closed"];
/** `n` events of mixed kinds, one every `every` ms from `start`. */
const burst = (n: number, every: number, start = 0) =>
  Array.from({ length: n }, (_, i) => ev(start + i * every, { kind: KINDS[i % KINDS.length] }));

Deno.test("rateBurst - defaults are 100 events in 10 s", () => {
  const d = defaults();
  assert.equal(d.name, "rate_burst");
  assert.equal(d.windowMs, 10_000);
});

Deno.test("rateBurst - 100 events of any kind within 10 s fire on the 100th", () => {
  const out = run(defaults(), burst(100, 99)); // the 100th is 9.8 s after the 1st
  assert.ok(out.slice(0, 99).every((f) => f === null));
  assert.equal(out[99]?.value, 100);
});

Deno.test("rateBurst - 99 events do not fire", () => {
  assert.ok(run(defaults(), burst(99, 10)).every((f) => f === null));
});

Deno.test("rateBurst - a steady 8 events/s never fires", () => {
  // Even counted at bucket resolution (up to 11 s), 8/s stays under 100.
  assert.ok(run(defaults(), burst(2000, 125)).every((f) => f === null));
});

Deno.test("rateBurst - counts at bucket resolution: a tenth of the window at most beyond it", () => {
  // 99 events in the second [T0 + 1 s, T0 + 2 s), then one at T0 + 11.5 s: the window
  // (T0 + 1.5 s, T0 + 11.5 s] overlaps that second's bucket, so all 100 are counted.
  const d = defaults();
  const s = d.init();
  for (const e of burst(99, 10, 1_000)) assert.equal(d.step(s, e), null);
  assert.equal(d.step(s, ev(11_500))?.value, 100);
  // At T0 + 12 s that bucket ends where the window starts: out.
  const s2 = d.init();
  for (const e of burst(99, 10, 1_000)) d.step(s2, e);
  assert.equal(d.step(s2, ev(12_000)), null);
});

Deno.test("rateBurst - explanation: value, rate, window, evidence and reason", () => {
  const events = burst(100, 50);
  const f = run(defaults(), events)[99];
  assert.ok(f);
  assert.equal(f.value, 100);
  assert.equal(f.threshold, 100);
  assert.deepEqual(f.window, { ms: 10_000, label: "10s" });
  assert.deepEqual(f.features, { events: 100, events_per_s: 10 });
  assert.deepEqual(f.evidence, events.slice(-10).map((e) => e.id));
  assert.equal(f.reason, "100 events in 10s (10/s; threshold 100)");
  assert.equal(f.severity, "medium");
});

Deno.test("rateBurst - config overrides events and window", () => {
  const d = buildDetectors({ rate_burst: { events: 5, window: "1s" } }).find((x) => x.name === "rate_burst")!;
  assert.equal(d.windowMs, 1_000);
  const out = run(d, burst(5, 100));
  assert.ok(out.slice(0, 4).every((f) => f === null));
  assert.equal(out[4]?.value, 5);
  assert.equal(out[4]?.reason, "5 events in 1s (5/s; threshold 5)");
});
