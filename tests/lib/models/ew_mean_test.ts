import assert from "node:assert/strict";
import { EwMean } from "../../../lib/models/ew_mean.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";
import { riverExpected, type StatsVectors } from "./_stats_vectors.ts";

referenceTest<StatsVectors>("EwMean - River docstring (a = 0.5) is exact", "stats_vectors.json", (data) => {
  const m = new EwMean(0.5);
  const got = data.ew_doc.inputs.map((x) => (m.update(x), m.get()));
  assert.deepEqual(got, data.ew_doc["ewmean_0.5"]);
  assert.deepEqual(got, riverExpected(data, "EWMean(0.5) docstring"));
});

Deno.test("EwMean - first value initialises, then a·x + (1 − a)·mean", () => {
  const m = new EwMean(0.25);
  assert.equal(m.get(), 0);
  m.update(8);
  assert.equal(m.get(), 8);
  m.update(0);
  assert.equal(m.get(), 6);
});

Deno.test("EwMean - rejects a fading factor outside (0, 1)", () => {
  assert.throws(() => new EwMean(1), /fadingFactor is 1, must be in \(0, 1\)/);
});

Deno.test("EwMean - restore then continue equals never stopping", () => {
  const a = new EwMean(0.1);
  [3, 1, 4].forEach((x) => a.update(x));
  const b = jsonRoundTrip(a, EwMean.fromJSON);
  for (const x of [1, 5, 9, 2, 6]) {
    a.update(x);
    b.update(x);
  }
  assert.equal(b.get(), a.get());
  assert.equal(jsonRoundTrip(new EwMean(), EwMean.fromJSON).toJSON().initialised, false);
});
