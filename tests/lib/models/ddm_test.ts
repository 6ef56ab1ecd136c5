import assert from "node:assert/strict";
import { Ddm } from "../../../lib/models/ddm.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";
import { type DriftVectors, expectedFor } from "./_drift_vectors.ts";

function driftIndices(ddm: Ddm, values: readonly number[]): number[] {
  return values.flatMap((x, i) => (ddm.update(x) ? [i] : []));
}

referenceTest<DriftVectors>(
  "Ddm - River's test_ddm, all-ones and docstring events equal",
  "drift_vectors.json",
  (data) => {
    const s = data.river_test_streams;
    assert.deepEqual(
      driftIndices(new Ddm(), s["stream2_np_seed12345_binomial0.2_0.8"]),
      expectedFor(data, "DDM on test stream 2"),
    );
    assert.deepEqual(driftIndices(new Ddm(), Array(1000).fill(1)), expectedFor(data, "DDM on 1000 ones"));
    // The docstring prints the first warning after each drift.
    const ddm = new Ddm();
    const events: [string, number][] = [];
    let printWarning = true;
    s.ddm_doc_random_42.forEach((x, i) => {
      ddm.update(x);
      if (ddm.warningDetected && printWarning) {
        events.push(["warning", i]);
        printWarning = false;
      }
      if (ddm.driftDetected) {
        events.push(["drift", i]);
        printWarning = true;
      }
    });
    assert.deepEqual(events, expectedFor(data, "DDM docstring"));
  },
);

referenceTest<DriftVectors>(
  "Ddm - synthetic Bernoulli 0.1/0.4/0.1 drift and warning indices equal",
  "drift_vectors.json",
  (data) => {
    const s = data.synthetic["ddm_bernoulli_0.1_0.4_0.1"];
    const ddm = new Ddm();
    const drifts: number[] = [];
    const warnings: number[] = [];
    s.values.forEach((x, i) => {
      if (ddm.update(x)) drifts.push(i);
      if (ddm.warningDetected) warnings.push(i);
    });
    assert.deepEqual(drifts, s.drift_indices);
    assert.deepEqual(warnings, s.warning_indices);
  },
);

Deno.test("Ddm - never warns or drifts during the warm start; drift clears the warning", () => {
  const ddm = new Ddm({ warmStart: 50 });
  for (let i = 0; i < 50; i++) {
    ddm.update(i < 25 ? 0 : 1);
    assert.equal(ddm.warningDetected || ddm.driftDetected, false);
  }
  const rising = new Ddm();
  let drifted = false;
  for (let i = 0; i < 400 && !drifted; i++) drifted = rising.update(i < 200 ? (i % 10 === 0 ? 1 : 0) : 1);
  assert.equal(drifted, true);
  assert.equal(rising.warningDetected, false);
});

Deno.test("Ddm - restore then continue equals never stopping (also before the warm start)", () => {
  const values = Array.from(
    { length: 2000 },
    (_, i) => (i < 1000 ? (i % 9 === 0 ? 1 : 0) : (i % 3 === 0 ? 0 : 1)),
  );
  const expected = driftIndices(new Ddm(), values);
  assert.ok(expected.length > 0);
  for (const cut of [10, 500, expected[0] + 1]) {
    const a = new Ddm();
    const head = driftIndices(a, values.slice(0, cut));
    const b = jsonRoundTrip(a, Ddm.fromJSON);
    assert.deepEqual([...head, ...driftIndices(b, values.slice(cut)).map((i) => i + cut)], expected);
  }
});
