import assert from "node:assert/strict";
import { MadZScore } from "../../../lib/models/mad_z_score.ts";
import { jsonRoundTrip } from "./_reference.ts";

Deno.test("MadZScore - median, MAD and z follow the documented definition", () => {
  const m = new MadZScore({ windowSize: 7, minSamples: 1 });
  [1, 2, 3, 4, 100, 5, 6].forEach((x) => m.learn(x));
  // window sorted [1,2,3,4,5,6,100]: median 4, |w − 4| = [3,2,1,0,1,2,96] → MAD 2
  assert.equal(m.median(), 4);
  assert.equal(m.mad(), 2);
  assert.equal(m.score(10), 6 / (1.482602218505602 * 2));
  m.learn(7); // evicts 1 → [2,3,4,5,6,7,100]
  assert.equal(m.median(), 5);
});

Deno.test("MadZScore - one outlier in the window barely moves the scale (robustness)", () => {
  const m = new MadZScore({ windowSize: 21 });
  for (let i = 0; i < 20; i++) m.learn(10 + (i % 5) - 2);
  const before = m.score(20);
  m.learn(1000);
  assert.ok(Math.abs(m.score(20) - before) / before < 0.2);
});

Deno.test("MadZScore - MAD 0 falls back to the mean absolute deviation, constant window to ±Infinity", () => {
  const m = new MadZScore({ windowSize: 5, minSamples: 5 });
  [5, 5, 5, 5].forEach((x) => m.learn(x));
  assert.equal(m.score(9), 0, "fewer than minSamples values");
  m.learn(5);
  assert.equal(m.score(5), 0);
  assert.equal(m.score(6), Infinity);
  assert.equal(m.score(4), -Infinity);
  m.learn(10); // [5,5,5,5,10]: MAD 0, mean |dev| = 1
  assert.equal(m.score(7), 2 / 1.2533141373155003);
});

Deno.test("MadZScore - update scores before learning; restore then continue equals never stopping", () => {
  const stream = Array.from({ length: 80 }, (_, i) => ((i * 29) % 31) + (i === 60 ? 500 : 0));
  const a = new MadZScore({ windowSize: 15 });
  stream.slice(0, 33).forEach((x) => a.update(x));
  const b = jsonRoundTrip(a, MadZScore.fromJSON);
  for (const x of stream.slice(33)) assert.equal(b.update(x), a.update(x));
  assert.deepEqual(b.toJSON(), a.toJSON());
  assert.throws(() => new MadZScore({ windowSize: 0 }), /windowSize is 0/);
});
