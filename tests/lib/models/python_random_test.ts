import assert from "node:assert/strict";
import { PythonRandom } from "../../../lib/models/python_random.ts";
import { uniform, weightedIndex } from "../../../lib/models/rng.ts";
import { jsonRoundTrip, referenceTest } from "./_reference.ts";

interface RandomVectors {
  values: Record<string, number[]>;
}

interface StatsVectors {
  p2_quantile: { gauss_2000: { values: number[] } };
}

const take = (n: number, draw: () => number) => Array.from({ length: n }, draw);

referenceTest<RandomVectors>(
  "PythonRandom - random() and getrandbits(32) equal CPython for seeds 42 and 12345",
  "python_random_vectors.json",
  ({ values }) => {
    for (const seed of [42, 12345]) {
      const a = new PythonRandom(seed);
      assert.deepEqual(take(5, () => a.random()), values[`Random(${seed}).random() x5`]);
      const b = new PythonRandom(seed);
      assert.deepEqual(take(5, () => b.getrandbits(32)), values[`Random(${seed}).getrandbits(32) x5`]);
    }
  },
);

referenceTest<StatsVectors>(
  "PythonRandom - gauss() rounded to 6 places reproduces the generator of the P2 stream",
  "stats_vectors.json",
  (data) => {
    const rng = new PythonRandom(20240401);
    const got = take(2000, () => Number(rng.gauss(0, 1).toFixed(6)));
    assert.deepEqual(got, data.p2_quantile.gauss_2000.values);
  },
);

Deno.test("PythonRandom - uniform and weightedIndex use CPython's arithmetic", () => {
  const a = new PythonRandom(7);
  const b = new PythonRandom(7);
  assert.equal(a.uniform(2, 5), 2 + 3 * b.random());
  // bisect_right on [1, 3, 6]: a draw of u·6 lands in the first bucket whose bound exceeds it.
  const c = new PythonRandom(7);
  const d = new PythonRandom(7);
  const target = d.random() * 6;
  assert.equal(weightedIndex(c, [1, 2, 3]), target < 1 ? 0 : target < 3 ? 1 : 2);
  const e = new PythonRandom(11);
  const f = new PythonRandom(11);
  assert.equal(e.choicesIndex(7), Math.floor(f.random() * 7));
  assert.equal(uniform({ random: () => 0.5 }, 0, 4), 2);
  assert.equal(weightedIndex({ random: () => 0.5 }, [1, 1]), 1);
});

Deno.test("PythonRandom - rejects non-integer seeds and bad weights", () => {
  assert.throws(() => new PythonRandom(1.5), /seed is 1.5/);
  assert.throws(() => weightedIndex(new PythonRandom(1), [0, 0]), /total is 0/);
});

Deno.test("PythonRandom - snapshot mid-stream continues identically", () => {
  const rng = new PythonRandom(99);
  take(700, () => rng.random());
  rng.gauss();
  const copy = jsonRoundTrip(rng, PythonRandom.fromJSON);
  assert.deepEqual(take(10, () => copy.gauss()), take(10, () => rng.gauss()));
  assert.deepEqual(take(700, () => copy.random()), take(700, () => rng.random()));
});
