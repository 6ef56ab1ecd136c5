import assert from "node:assert/strict";
import { StandardScaler } from "../../../lib/models/standard_scaler.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";
import { assertClose, riverExpected, type StatsVectors } from "./_stats_vectors.ts";

referenceTest<StatsVectors>(
  "StandardScaler - River docstring (learn then transform) is exact, and within River's printed decimals",
  "stats_vectors.json",
  (data) => {
    const s = new StandardScaler();
    const got = data.standard_scaler_doc.inputs.map((x) => (s.learnOne(x), s.transformOne(x)));
    assert.deepEqual(got, data.standard_scaler_doc.outputs_exact);
    const printed = riverExpected(data, "StandardScaler docstring") as Record<string, number>[];
    for (const f of ["x", "y"]) assertClose(got.map((r) => r[f]), printed.map((r) => r[f]), 1e-3);
  },
);

referenceTest<StatsVectors>(
  "StandardScaler - score-then-learn z around a spike is exact",
  "stats_vectors.json",
  (data) => {
    const s = new StandardScaler();
    const got = data.zscore_spike.values.map((x) => {
      const z = s.transformOne({ x }).x;
      s.learnOne({ x });
      return z;
    });
    assert.deepEqual(got, data.zscore_spike.standard_scaler_score_then_learn);
    assert.ok(got[300] > 14, "the spike at t = 300 stands out");
  },
);

Deno.test("StandardScaler - unseen and constant features scale to 0; withStd false only centres", () => {
  const s = new StandardScaler();
  assert.deepEqual(s.transformOne({ a: 3 }), { a: 0 });
  s.learnOne({ a: 3 });
  s.learnOne({ a: 3 });
  assert.deepEqual(s.transformOne({ a: 5 }), { a: 0 });
  const c = new StandardScaler({ withStd: false });
  c.learnOne({ a: 1 });
  c.learnOne({ a: 3 });
  assert.deepEqual(c.transformOne({ a: 5 }), { a: 3 });
});

Deno.test("StandardScaler - restore then continue equals never stopping", () => {
  const a = new StandardScaler();
  a.learnOne({ x: 1, y: 10 });
  a.learnOne({ x: 4 });
  const b = jsonRoundTrip(a, StandardScaler.fromJSON);
  const stream: Record<string, number>[] = [{ x: 2, y: 12 }, { y: 9 }, { x: 7, y: 11 }];
  for (const x of stream) {
    a.learnOne(x);
    b.learnOne(x);
  }
  assert.deepEqual(b.transformOne({ x: 3, y: 10 }), a.transformOne({ x: 3, y: 10 }));
});
