import assert from "node:assert/strict";
import { HalfSpaceTrees } from "../../../lib/models/half_space_trees.ts";
import { ThresholdFilter } from "../../../lib/models/threshold_filter.ts";
import { jsonRoundTrip } from "./_reference.ts";

Deno.test("ThresholdFilter - score at or above the threshold is anomalous and not learnt", () => {
  const hst = new HalfSpaceTrees({ nTrees: 2, height: 3, windowSize: 4, seed: 1 });
  const filter = new ThresholdFilter(hst, { threshold: 0.9 });
  for (let i = 0; i < 8; i++) filter.learnOne({ a: 0.5 });
  const before = JSON.stringify(hst.toJSON());
  const verdict = filter.step({ a: 0.01 });
  assert.equal(verdict.isAnomaly, verdict.score >= 0.9);
  if (verdict.isAnomaly) assert.equal(JSON.stringify(hst.toJSON()), before);
  assert.equal(filter.classify(0.9), true);
  assert.equal(filter.classify(0.89), false);
});

Deno.test("ThresholdFilter - restore then continue equals never stopping", () => {
  const X = Array.from({ length: 60 }, (_, i) => ({ a: ((i * 7) % 13) / 13 }));
  const a = new ThresholdFilter(new HalfSpaceTrees({ nTrees: 3, height: 3, windowSize: 10, seed: 4 }), {
    threshold: 0.6,
  });
  X.slice(0, 25).forEach((x) => a.step(x));
  const b = jsonRoundTrip(a, (s) => ThresholdFilter.fromJSON(s, HalfSpaceTrees.fromJSON));
  for (const x of X.slice(25)) assert.deepEqual(b.step(x), a.step(x));
});
