import assert from "node:assert/strict";
import { Quantile } from "../../../lib/models/quantile.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";
import { riverExpected, type StatsVectors } from "./_stats_vectors.ts";

referenceTest<StatsVectors>(
  "Quantile - River's first-five-values unit test (q = 0.01, 0.99) is exact",
  "stats_vectors.json",
  (data) => {
    for (const q of ["0.01", "0.99"]) {
      const p = new Quantile(Number(q));
      const got = data.p2_quantile.first_five_value_inputs.map((x) => (p.update(x), p.get()));
      assert.deepEqual(got, data.p2_quantile.outputs[q]);
      assert.deepEqual(got, riverExpected(data, `Quantile(${q})`));
    }
  },
);

referenceTest<StatsVectors>(
  "Quantile - 2000-point Gaussian trajectories (q = 0.5, 0.95, 0.99) are exact",
  "stats_vectors.json",
  (data) => {
    const { values, trajectories } = data.p2_quantile.gauss_2000;
    for (const [q, expected] of Object.entries(trajectories)) {
      const p = new Quantile(Number(q));
      const every100th: number[] = [];
      values.forEach((x, i) => {
        p.update(x);
        if (i % 100 === 99) every100th.push(p.get());
      });
      assert.deepEqual(every100th, expected.every_100th, `q = ${q}`);
      assert.equal(p.get(), expected.final);
    }
  },
);

Deno.test("Quantile - before five values answers from the sorted values, 0 when empty", () => {
  const p = new Quantile(0.5);
  assert.equal(p.get(), 0);
  [9, 1, 5].forEach((x) => p.update(x));
  assert.equal(p.get(), 5);
  assert.throws(() => new Quantile(0), /q is 0, must be in \(0, 1\)/);
});

Deno.test("Quantile - restore then continue equals never stopping", () => {
  for (const cut of [3, 5, 40]) {
    const a = new Quantile(0.9);
    for (let i = 0; i < cut; i++) a.update((i * 37) % 101);
    const b = jsonRoundTrip(a, Quantile.fromJSON);
    for (let i = cut; i < 200; i++) {
      const x = (i * 37) % 101;
      a.update(x);
      b.update(x);
      assert.equal(b.get(), a.get());
    }
  }
});
