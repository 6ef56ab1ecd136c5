import assert from "node:assert/strict";
import { MinMaxScaler } from "../../../lib/models/min_max_scaler.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";
import { assertClose, riverExpected, type StatsVectors } from "./_stats_vectors.ts";

referenceTest<StatsVectors>("MinMaxScaler - River docstring is exact", "stats_vectors.json", (data) => {
  const s = new MinMaxScaler();
  const got = data.minmax_doc.inputs.map((x) => (s.learnOne({ x }), s.transformOne({ x }).x));
  assert.deepEqual(got, data.minmax_doc.outputs_exact);
  assertClose(got, riverExpected(data, "MinMaxScaler docstring") as number[], 1e-6);
});

Deno.test("MinMaxScaler - maps outside [0, 1] beyond the seen range, 0 for a constant feature", () => {
  const s = new MinMaxScaler();
  s.learnOne({ a: 2, b: 7 });
  s.learnOne({ a: 4, b: 7 });
  assert.deepEqual(s.transformOne({ a: 5, b: 9, c: 1 }), { a: 1.5, b: 0, c: 0 });
});

Deno.test("MinMaxScaler - restore then continue equals never stopping", () => {
  const a = new MinMaxScaler();
  a.learnOne({ a: 1 });
  const b = jsonRoundTrip(a, MinMaxScaler.fromJSON);
  for (const x of [{ a: -3 }, { a: 8 }]) {
    a.learnOne(x);
    b.learnOne(x);
  }
  assert.deepEqual(b.transformOne({ a: 0 }), a.transformOne({ a: 0 }));
  assert.deepEqual(b.toJSON(), { features: { a: [-3, 8] } });
});
