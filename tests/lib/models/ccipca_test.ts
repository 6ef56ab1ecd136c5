import assert from "node:assert/strict";
import { Ccipca } from "../../../lib/models/ccipca.ts";
import { PythonRandom } from "../../../lib/models/python_random.ts";
import { jsonRoundTrip } from "./_reference.ts";

const s = Math.SQRT1_2;
/** Orthonormal directions in R^5. */
const D1 = [s, s, 0, 0, 0];
const D2 = [0, 0, 0.6, 0.8, 0];
const D3 = [s, -s, 0, 0, 0];
const OFFSET = [5, -2, 1, 0, 3];

/** `offset + 3·g1·a + 1·g2·b + 0.1·noise`, seeded. */
function stream(rng: PythonRandom, n: number, a = D1, b = D2): number[][] {
  return Array.from({ length: n }, () => {
    const g1 = rng.gauss(0, 3);
    const g2 = rng.gauss(0, 1);
    return OFFSET.map((o, j) => o + g1 * a[j] + g2 * b[j] + rng.gauss(0, 0.1));
  });
}

const cosine = (a: number[], b: number[]) => Math.abs(a.reduce((acc, ai, i) => acc + ai * b[i], 0));

Deno.test("Ccipca - recovers the dominant directions, their variances and the mean", () => {
  const pca = new Ccipca({ nComponents: 2 });
  for (const x of stream(new PythonRandom(1), 4000)) pca.learnOne(x);
  const [e1, e2] = pca.components();
  assert.ok(cosine(e1, D1) > 0.999, `cos(e1, d1) = ${cosine(e1, D1)}`);
  assert.ok(cosine(e2, D2) > 0.999, `cos(e2, d2) = ${cosine(e2, D2)}`);
  assert.ok(cosine(e1, e2) < 0.01, "components stay nearly orthogonal");
  const [l1, l2] = pca.eigenvalues();
  assert.ok(Math.abs(l1 - 9) < 0.5 && Math.abs(l2 - 1) < 0.15, `eigenvalues ${l1}, ${l2}`);
  pca.mean().forEach((m, j) => assert.ok(Math.abs(m - OFFSET[j]) < 0.2));
  assert.equal(pca.n, 4000);
  assert.equal(pca.dimension, 5);
});

Deno.test("Ccipca - residual score is small in the learnt plane and large off it", () => {
  const pca = new Ccipca({ nComponents: 2 });
  for (const x of stream(new PythonRandom(2), 3000)) pca.learnOne(x);
  const inPlane = OFFSET.map((o, j) => o + 4 * D1[j] - 1 * D2[j]);
  const offPlane = OFFSET.map((o, j) => o + 4 * D3[j]);
  assert.ok(pca.scoreOne(inPlane) < 0.2, `${pca.scoreOne(inPlane)}`);
  assert.ok(pca.scoreOne(offPlane) > 10, `${pca.scoreOne(offPlane)}`);
  const [t1] = pca.transform(inPlane);
  assert.ok(Math.abs(Math.abs(t1) - 4) < 0.3, `projection ${t1}`);
});

Deno.test("Ccipca - the amnesic average follows a rotated stream", () => {
  const rng = new PythonRandom(3);
  const pca = new Ccipca({ nComponents: 1, amnesic: 4 });
  for (const x of stream(rng, 1000, D1, D2)) pca.learnOne(x);
  for (const x of stream(rng, 4000, D3, D2)) pca.learnOne(x);
  assert.ok(cosine(pca.components()[0], D3) > 0.999, `cos(e1, d3) = ${cosine(pca.components()[0], D3)}`);
});

Deno.test("Ccipca - rejects a vector of the wrong length and bad options", () => {
  const pca = new Ccipca({ nComponents: 1 });
  assert.equal(pca.scoreOne([1, 2]), 0);
  pca.learnOne([1, 2]);
  assert.throws(() => pca.learnOne([1, 2, 3]), /length is 3, expected 2/);
  assert.throws(() => new Ccipca({ nComponents: 0 }), /nComponents is 0/);
  assert.throws(() => new Ccipca({ nComponents: 1, amnesic: -1 }), /amnesic is -1/);
});

Deno.test("Ccipca - restore then continue equals never stopping", () => {
  const data = stream(new PythonRandom(4), 600);
  const reference = new Ccipca({ nComponents: 2 });
  data.forEach((x) => reference.learnOne(x));
  for (const cut of [0, 1, 2, 300]) {
    const a = new Ccipca({ nComponents: 2 });
    data.slice(0, cut).forEach((x) => a.learnOne(x));
    const b = jsonRoundTrip(a, Ccipca.fromJSON);
    data.slice(cut).forEach((x) => b.learnOne(x));
    assert.deepEqual(b.toJSON(), reference.toJSON(), `cut at ${cut}`);
  }
});
