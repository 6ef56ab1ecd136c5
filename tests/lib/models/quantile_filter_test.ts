import assert from "node:assert/strict";
import type { SnapshotDetector } from "../../../lib/models/anomaly_detector.ts";
import { HalfSpaceTrees } from "../../../lib/models/half_space_trees.ts";
import { QuantileFilter } from "../../../lib/models/quantile_filter.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";
import type { HstVectors } from "./_hst_vectors.ts";

referenceTest<HstVectors>(
  "QuantileFilter - HST seed 42 with q = 0.95 flags exactly the reference indices",
  "hst_vectors.json",
  (data) => {
    const syn = data.synthetic_2d;
    const expected = syn["quantile_filter_q0.95_seed42"];
    const filter = new QuantileFilter(new HalfSpaceTrees({ seed: 42 }), { q: 0.95 });
    const flagged: number[] = [];
    const counts = { tp: 0, fp: 0, fn: 0 };
    syn.X.forEach(([x, y], i) => {
      const { isAnomaly } = filter.step({ x, y });
      if (isAnomaly) flagged.push(i);
      if (isAnomaly && syn.y[i]) counts.tp++;
      else if (isAnomaly) counts.fp++;
      else if (syn.y[i]) counts.fn++;
    });
    assert.deepEqual(flagged, expected.flags_true_indices);
    assert.deepEqual(counts, { tp: expected.tp, fp: expected.fp, fn: expected.fn });
  },
);

/** A detector that scores the input itself and counts what it learnt. */
class Echo implements SnapshotDetector<number, number[]> {
  learnt: number[] = [];
  scoreOne(x: number): number {
    return x;
  }
  learnOne(x: number): void {
    this.learnt.push(x);
  }
  toJSON(): number[] {
    return [...this.learnt];
  }
  static fromJSON(state: number[]): Echo {
    const e = new Echo();
    e.learnt = [...state];
    return e;
  }
}

Deno.test("QuantileFilter - a zero quantile means no threshold; flagged points are not learnt", () => {
  const filter = new QuantileFilter(new Echo(), { q: 0.5 });
  assert.equal(filter.threshold(), Infinity);
  for (const s of [0, 0, 0]) assert.equal(filter.step(s).isAnomaly, false);
  for (const s of [1, 2, 3, 4, 5, 6]) filter.step(s);
  assert.equal(filter.classify(filter.threshold()), true, "score equal to the threshold is anomalous");
  const before = filter.detector.learnt.length;
  assert.equal(filter.step(100).isAnomaly, true);
  assert.equal(filter.detector.learnt.length, before);
  const open = new QuantileFilter(new Echo(), { q: 0.5, protectAnomalyDetector: false });
  for (const s of [1, 2, 3, 4, 5, 6, 100]) open.learnOne(s);
  assert.equal(open.detector.learnt.length, 7);
});

Deno.test("QuantileFilter - restore then continue equals never stopping", () => {
  const stream = Array.from({ length: 120 }, (_, i) => ((i * 53) % 97) / 97);
  const a = new QuantileFilter(new Echo(), { q: 0.9 });
  stream.slice(0, 40).forEach((s) => a.step(s));
  const b = jsonRoundTrip(a, (state) => QuantileFilter.fromJSON(state, Echo.fromJSON));
  for (const s of stream.slice(40)) assert.deepEqual(b.step(s), a.step(s));
  assert.deepEqual(b.detector.learnt, a.detector.learnt);
  assert.equal(b.q, 0.9);
});
