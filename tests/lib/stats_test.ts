import assert from "node:assert/strict";
import { FakeClock } from "../../lib/clock.ts";
import type { NormalisedEvent } from "../../lib/schema.ts";
import { aggregate, clipValue, mergeTop, RateMeter, TOP_CAP, VALUE_MAX } from "../../lib/stats.ts";

const ev = (
  ts: number,
  kind: NormalisedEvent["kind"],
  extra: Partial<NormalisedEvent> = {},
): NormalisedEvent => ({
  id: `e${ts}`,
  ts,
  sensor: "s",
  source: "cowrie",
  kind,
  src_ip: "198.51.100.1",
  ...extra,
});

Deno.test("stats - aggregate groups by UTC minute, counts kinds and top values", () => {
  const m = 60_000 * 29_000_000;
  const parts = aggregate([
    ev(m + 1, "login_failed", { username: "root", password: "x" }),
    ev(m + 59_999, "login_failed", { username: "root", password: "y" }),
    ev(m + 60_000, "download", { url: "http://a/b" }),
    ev(m + 60_001, "command", { url: "http://not-a-download/", command: "ls" }),
  ]);
  assert.deepEqual([...parts.keys()], [m, m + 60_000]);
  assert.deepEqual(parts.get(m)!.counts, { total: 2, kinds: { login_failed: 2 } });
  assert.deepEqual(parts.get(m)!.tops.username, { root: 2 });
  assert.deepEqual(parts.get(m)!.tops.password, { x: 1, y: 1 });
  assert.deepEqual(parts.get(m + 60_000)!.tops.url, { "http://a/b": 1 }, "only download URLs are counted");
  assert.deepEqual(parts.get(m + 60_000)!.tops.command, { ls: 1 });
});

Deno.test("stats - top maps keep the most frequent values past the cap", () => {
  const big: Record<string, number> = {};
  for (let i = 0; i < TOP_CAP + 50; i++) big[`v${i}`] = i;
  const kept = mergeTop({}, big);
  assert.equal(Object.keys(kept).length, TOP_CAP);
  assert.equal(kept[`v${TOP_CAP + 49}`], TOP_CAP + 49);
  assert.equal(kept.v0, undefined);
  assert.deepEqual(mergeTop({ a: 2 }, { a: 3, b: 1 }), { a: 5, b: 1 });
});

Deno.test("stats - long attacker strings are clipped", () => {
  assert.equal(clipValue("x".repeat(VALUE_MAX + 10)), "x".repeat(VALUE_MAX) + "…");
  assert.equal(clipValue("short"), "short");
});

Deno.test("stats - rate meter averages whole seconds of wall time", () => {
  const clock = new FakeClock(1_000_000);
  const meter = new RateMeter(clock);
  meter.add(30);
  clock.advance(1000);
  meter.add(10);
  clock.advance(1000);
  assert.equal(meter.perSecond(10), 4);
  clock.advance(20_000);
  assert.equal(meter.perSecond(10), 0);
});
