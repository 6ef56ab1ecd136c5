import assert from "node:assert/strict";
import { AdaptiveStandardScaler } from "../../../lib/models/adaptive_standard_scaler.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";
import { assertClose, riverExpected, type StatsVectors } from "./_stats_vectors.ts";

referenceTest<StatsVectors>(
  "AdaptiveStandardScaler - River docstring (fading 0.6) is exact, and within River's printed decimals",
  "stats_vectors.json",
  (data) => {
    const s = new AdaptiveStandardScaler(0.6);
    const got = data.adaptive_standard_scaler_doc.inputs.map((
      x,
    ) => (s.learnOne({ x }), s.transformOne({ x }).x));
    assert.deepEqual(got, data.adaptive_standard_scaler_doc.outputs_exact);
    assertClose(got, riverExpected(data, "AdaptiveStandardScaler(fading_factor=0.6)") as number[], 1e-3);
  },
);

referenceTest<StatsVectors>(
  "AdaptiveStandardScaler - learn-then-transform z around a spike is exact except one glibc pow rounding",
  "stats_vectors.json",
  (data) => {
    const expected = data.zscore_spike["adaptive_standard_scaler_fading0.3_learn_then_transform"];
    const s = new AdaptiveStandardScaler(0.3);
    const got = data.zscore_spike.values.map((x) => (s.learnOne({ x }), s.transformOne({ x }).x));
    // At t = 187 the reference squared the mean with Python's `mean ** 2` (glibc pow), whose
    // result there is the other neighbour of the exact square (0.4992 ulp from a midpoint);
    // `m * m` is correctly rounded. EwVar's cancellation turns that one ulp into 1.6e-12.
    const POW_ROUNDING = new Set([187]);
    got.forEach((z, i) => {
      if (POW_ROUNDING.has(i)) assert.ok(Math.abs(z - expected[i]) < 1e-12 * Math.abs(expected[i]) * 10);
      else assert.equal(z, expected[i], `t = ${i}`);
    });
  },
);

Deno.test("AdaptiveStandardScaler - restore then continue equals never stopping", () => {
  const a = new AdaptiveStandardScaler();
  [5, 6, 4, 5].forEach((x) => a.learnOne({ x }));
  const b = jsonRoundTrip(a, AdaptiveStandardScaler.fromJSON);
  for (const x of [5, 30, 6]) {
    a.learnOne({ x });
    b.learnOne({ x });
    assert.deepEqual(b.transformOne({ x }), a.transformOne({ x }));
  }
  assert.deepEqual(new AdaptiveStandardScaler().transformOne({ x: 1 }), { x: 0 });
});
