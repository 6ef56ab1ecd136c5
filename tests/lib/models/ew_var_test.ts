import assert from "node:assert/strict";
import { EwVar } from "../../../lib/models/ew_var.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";
import { riverExpected, type StatsVectors } from "./_stats_vectors.ts";

referenceTest<StatsVectors>("EwVar - River docstring (a = 0.5) is exact", "stats_vectors.json", (data) => {
  const v = new EwVar(0.5);
  const got = data.ew_doc.inputs.map((x) => (v.update(x), v.get()));
  assert.deepEqual(got, data.ew_doc["ewvar_0.5"]);
  assert.deepEqual(got, riverExpected(data, "EWVar(0.5) docstring"));
});

Deno.test("EwVar - restore then continue equals never stopping", () => {
  const a = new EwVar(0.3);
  [2, 7, 1, 8].forEach((x) => a.update(x));
  const b = jsonRoundTrip(a, EwVar.fromJSON);
  for (const x of [2, 8, 1, 8]) {
    a.update(x);
    b.update(x);
  }
  assert.equal(b.get(), a.get());
  assert.equal(b.mean(), a.mean());
  assert.equal(b.fadingFactor, 0.3);
});
