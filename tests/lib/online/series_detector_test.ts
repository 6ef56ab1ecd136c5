import assert from "node:assert/strict";
import { SeriesDetector } from "../../../lib/online/series_detector.ts";
import { PythonRandom } from "../../../lib/models/mod.ts";

Deno.test("SeriesDetector - a spike scores high once; a level shift is reported at its start only", () => {
  const rng = new PythonRandom(5);
  const d = new SeriesDetector({ window: 200, minSamples: 20, memory: 200 });
  const scores: number[] = [];
  for (let i = 0; i < 1200; i++) {
    let x = 10 + rng.random();
    if (i === 500) x = 30; // spike
    if (i >= 800) x += 20; // level shift
    scores.push(d.update(x));
  }
  const quiet = Math.max(...scores.slice(100, 500), ...scores.slice(510, 800));
  assert.ok(scores[500] > 0.8, `spike ${scores[500]}`);
  assert.ok(scores[800] > 0.8, `shift ${scores[800]}`);
  assert.ok(quiet < 0.5, `quiet rows reached ${quiet}`);
  // After the shift, rows with the same (new) level add nothing new.
  assert.ok(Math.max(...scores.slice(801, 1200)) < 0.5);
});
