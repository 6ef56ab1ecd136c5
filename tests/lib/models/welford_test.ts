import assert from "node:assert/strict";
import { Welford } from "../../../lib/models/welford.ts";
import { jsonRoundTrip } from "./_reference.ts";

Deno.test("Welford - mean and sample/population variance of a small stream", () => {
  const w = new Welford();
  assert.equal(w.variance(), 0);
  [2, 4, 4, 4, 5, 5, 7, 9].forEach((x) => w.update(x));
  assert.equal(w.n, 8);
  assert.equal(w.mean, 5);
  assert.equal(w.m2, 32);
  assert.equal(w.variance(0), 4);
  assert.equal(w.variance(1), 32 / 7);
});

Deno.test("Welford - stays accurate on a large offset (no catastrophic cancellation)", () => {
  const w = new Welford();
  for (const x of [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]) w.update(x);
  assert.equal(w.mean, 1e9 + 10);
  assert.equal(w.variance(1), 30);
});

Deno.test("Welford - restore then continue equals never stopping", () => {
  const a = new Welford();
  [0.1, 0.7, 0.3].forEach((x) => a.update(x));
  const b = jsonRoundTrip(a, Welford.fromJSON);
  for (const x of [0.9, 0.2, 0.5]) {
    a.update(x);
    b.update(x);
  }
  assert.deepEqual(b.toJSON(), a.toJSON());
});
