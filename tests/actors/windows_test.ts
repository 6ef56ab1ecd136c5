import assert from "node:assert/strict";
import {
  bucketAdd,
  buckets,
  bucketSum,
  distinct,
  distinctAdd,
  distinctCount,
  distinctPrune,
  distinctValues,
  hits,
  hitsAdd,
  hitsIn,
  ringPush,
} from "../../actors/windows.ts";

/** A minute-aligned event time, so bucket edges are easy to read. */
const T0 = Date.parse("2026-01-01T00:00:00Z");

Deno.test("buckets - add puts events of one bucket together, aligned to the bucket size", () => {
  const w = buckets(1000, 10);
  bucketAdd(w, T0);
  bucketAdd(w, T0 + 999);
  bucketAdd(w, T0 + 1000, 3);
  bucketAdd(w, T0 + 2500);
  assert.deepEqual(w.b, [[T0, 2], [T0 + 1000, 3], [T0 + 2000, 1]]);
});

Deno.test("buckets - add aligns negative times down, not towards zero", () => {
  const w = buckets(1000, 10);
  bucketAdd(w, -1);
  bucketAdd(w, -1000);
  bucketAdd(w, -1001);
  assert.deepEqual(w.b, [[-2000, 1], [-1000, 2]]);
});

Deno.test("buckets - sum counts every bucket overlapping (until - span, until]", () => {
  const w = buckets(1000, 100);
  for (let i = 0; i < 20; i++) bucketAdd(w, T0 + i * 1000, i + 1); // bucket i holds i + 1
  const sum = (from: number, to: number) => (to - from + 1) * (from + to) / 2; // of i + 1 for i in from..to
  // (T0 + 10000, T0 + 20000]: bucket 9 ends at T0 + 10000, so buckets 10..19 exactly.
  assert.equal(bucketSum(w, T0 + 20_000, 10_000), sum(11, 20));
  // (T0 + 9999, T0 + 19999]: bucket 9, [T0 + 9000, T0 + 10000), still overlaps: the count is at
  // bucket resolution, up to one bucket more than the span.
  assert.equal(bucketSum(w, T0 + 19_999, 10_000), sum(10, 20));
  assert.equal(bucketSum(w, T0 + 19_000, 10_000), sum(10, 20));
  // Buckets that start after `until` are not counted.
  assert.equal(bucketSum(w, T0 + 4_500, 60_000), sum(1, 5));
  assert.equal(bucketSum(w, T0 - 1, 60_000), 0);
  assert.equal(bucketSum(w, T0 + 100_000, 10_000), 0);
});

Deno.test("buckets - a late event lands in its own bucket, in order", () => {
  const w = buckets(1000, 10);
  bucketAdd(w, T0 + 5000);
  bucketAdd(w, T0 + 1000); // late, before every bucket
  bucketAdd(w, T0 + 3000); // late, between buckets
  bucketAdd(w, T0 + 1500); // late, into an existing bucket
  assert.deepEqual(w.b, [[T0 + 1000, 2], [T0 + 3000, 1], [T0 + 5000, 1]]);
  assert.equal(bucketSum(w, T0 + 5000, 3000), 2);
  assert.equal(bucketSum(w, T0 + 5000, 10_000), 4);
});

Deno.test("buckets - cap keeps the newest max buckets", () => {
  const w = buckets(1000, 3);
  for (let i = 0; i < 10; i++) bucketAdd(w, T0 + i * 1000);
  assert.deepEqual(w.b, [[T0 + 7000, 1], [T0 + 8000, 1], [T0 + 9000, 1]]);
  // A late event older than every kept bucket is dropped, not kept at the expense of a newer one.
  bucketAdd(w, T0);
  assert.deepEqual(w.b, [[T0 + 7000, 1], [T0 + 8000, 1], [T0 + 9000, 1]]);
  assert.equal(bucketSum(w, T0 + 9000, 60_000), 3);
});

Deno.test("distinct - count holds the values last seen in (until - span, until]", () => {
  const d = distinct(100);
  distinctAdd(d, "22", T0);
  distinctAdd(d, "23", T0 + 10_000);
  distinctAdd(d, "80", T0 + 30_000);
  assert.equal(distinctCount(d, T0 + 30_000, 60_000), 3);
  assert.equal(distinctCount(d, T0 + 60_000, 60_000), 2); // "22" seen exactly 60 s before: out
  assert.equal(distinctCount(d, T0 + 59_999, 60_000), 3);
  assert.equal(distinctCount(d, T0 + 5_000, 60_000), 1); // values seen after `until` are not counted
});

Deno.test("distinct - a repeat moves the value's last-seen time forward only", () => {
  const d = distinct(100);
  distinctAdd(d, "22", T0);
  distinctAdd(d, "22", T0 + 50_000);
  distinctAdd(d, "22", T0 + 10_000); // late: does not move it back
  assert.deepEqual(d.v, { "22": T0 + 50_000 });
  assert.equal(distinctCount(d, T0 + 100_000, 60_000), 1);
});

Deno.test("distinct - past the cap the least recently seen value is evicted and counted", () => {
  const d = distinct(3);
  distinctAdd(d, "a", T0 + 1);
  distinctAdd(d, "b", T0 + 2);
  distinctAdd(d, "c", T0 + 3);
  distinctAdd(d, "a", T0 + 4); // "a" is now the most recent
  distinctAdd(d, "d", T0 + 5);
  assert.deepEqual(Object.keys(d.v).sort(), ["a", "c", "d"]);
  assert.equal(d.evicted, 1);
  for (let i = 0; i < 100; i++) distinctAdd(d, `x${i}`, T0 + 10 + i);
  assert.equal(Object.keys(d.v).length, 3);
  assert.equal(d.evicted, 101);
  assert.deepEqual(Object.keys(d.v).sort(), ["x97", "x98", "x99"]);
});

Deno.test("distinct - prune drops values last seen before the given time", () => {
  const d = distinct(100);
  distinctAdd(d, "a", T0);
  distinctAdd(d, "b", T0 + 1000);
  distinctAdd(d, "c", T0 + 2000);
  distinctPrune(d, T0 + 1000);
  assert.deepEqual(Object.keys(d.v).sort(), ["b", "c"]);
  distinctPrune(d, T0 + 10_000);
  assert.deepEqual(d.v, {});
  assert.equal(d.evicted, 0); // pruning is not eviction
});

Deno.test("distinct - values lists the window's values, most recent first, up to the limit", () => {
  const d = distinct(100);
  for (let i = 0; i < 10; i++) distinctAdd(d, String(1000 + i), T0 + i * 1000);
  assert.deepEqual(distinctValues(d, T0 + 9000, 3000, 20), ["1009", "1008", "1007"]);
  assert.deepEqual(distinctValues(d, T0 + 9000, 60_000, 2), ["1009", "1008"]);
  assert.deepEqual(distinctValues(d, T0 - 1, 60_000), []);
});

Deno.test("hits - keeps times in order with their ids, late ones inserted", () => {
  const h = hits(10);
  hitsAdd(h, T0 + 100, "a");
  hitsAdd(h, T0 + 300, "c");
  hitsAdd(h, T0 + 200, "b"); // late
  hitsAdd(h, T0 + 300, "d"); // same time: after the earlier one
  assert.deepEqual(h.t, [T0 + 100, T0 + 200, T0 + 300, T0 + 300]);
  assert.deepEqual(h.id, ["a", "b", "c", "d"]);
});

Deno.test("hits - in counts (until - span, until] and returns the ids oldest first", () => {
  const h = hits(10);
  for (let i = 0; i < 5; i++) hitsAdd(h, T0 + i * 1000, `e${i}`);
  assert.deepEqual(hitsIn(h, T0 + 4000, 3000), { count: 3, ids: ["e2", "e3", "e4"] });
  assert.deepEqual(hitsIn(h, T0 + 4000, 3001), { count: 4, ids: ["e1", "e2", "e3", "e4"] });
  assert.deepEqual(hitsIn(h, T0 + 2000, 60_000), { count: 3, ids: ["e0", "e1", "e2"] });
  assert.deepEqual(hitsIn(h, T0 - 1, 60_000), { count: 0, ids: [] });
});

Deno.test("hits - cap drops the oldest occurrence", () => {
  const h = hits(3);
  for (let i = 0; i < 5; i++) hitsAdd(h, T0 + i, `e${i}`);
  assert.deepEqual(h.id, ["e2", "e3", "e4"]);
  hitsAdd(h, T0 - 1, "late"); // older than everything kept: dropped at once
  assert.deepEqual(h.id, ["e2", "e3", "e4"]);
  assert.equal(h.t.length, h.id.length);
});

Deno.test("ringPush - keeps the newest cap items, newest last", () => {
  const ring: number[] = [];
  for (let i = 0; i < 10; i++) ringPush(ring, i, 4);
  assert.deepEqual(ring, [6, 7, 8, 9]);
});
