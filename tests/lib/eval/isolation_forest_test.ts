import assert from "node:assert/strict";
import { c, IsolationForest } from "../../../lib/eval/isolation_forest.ts";
import { rocAuc } from "../../../lib/eval/metrics.ts";
import { PythonRandom } from "../../../lib/models/mod.ts";

Deno.test("IsolationForest - outliers score above the cluster; seeded runs repeat", () => {
  const rng = new PythonRandom(1);
  const data: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const out = i % 50 === 0;
    data.push(
      out ? [rng.random() * 10, rng.random() * 10] : [5 + rng.random() * 0.5, 5 + rng.random() * 0.5],
    );
    labels.push(out ? 1 : 0);
  }
  const f = new IsolationForest(data, { seed: 3 });
  const scores = data.map((x) => f.score(x));
  assert.ok(rocAuc(scores, labels) > 0.95);
  const g = new IsolationForest(data, { seed: 3 });
  assert.deepEqual(data.map((x) => g.score(x)), scores);
  assert.ok(Math.abs(c(256) - 10.2448) < 1e-3);
});
