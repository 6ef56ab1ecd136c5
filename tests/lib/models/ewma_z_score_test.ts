import assert from "node:assert/strict";
import { AdaptiveStandardScaler } from "../../../lib/models/adaptive_standard_scaler.ts";
import { EwmaZScore } from "../../../lib/models/ewma_z_score.ts";
import { jsonRoundTrip } from "./_reference.ts";

Deno.test("EwmaZScore - scores against the state before the value (River arithmetic, score first)", () => {
  const z = new EwmaZScore({ fadingFactor: 0.3 });
  const scaler = new AdaptiveStandardScaler(0.3);
  for (const x of [10, 12, 9, 11, 10, 13]) {
    assert.equal(z.score(x), scaler.transformOne({ x }).x);
    z.learn(x);
    scaler.learnOne({ x });
  }
});

Deno.test("EwmaZScore - a spike scores far higher than with learn-then-transform", () => {
  const z = new EwmaZScore();
  const scaler = new AdaptiveStandardScaler(0.3);
  for (let i = 0; i < 50; i++) {
    const x = 10 + (i % 5) - 2;
    z.update(x);
    scaler.learnOne({ x });
  }
  const spike = z.update(40);
  scaler.learnOne({ x: 40 });
  assert.ok(spike > 10, `${spike}`);
  assert.ok(scaler.transformOne({ x: 40 }).x < 2);
});

Deno.test("EwmaZScore - grace period and zero variance give 0", () => {
  const z = new EwmaZScore({ gracePeriod: 3 });
  assert.equal(z.update(1), 0);
  assert.equal(z.update(5), 0);
  assert.equal(z.update(9), 0);
  assert.notEqual(z.update(20), 0);
  const flat = new EwmaZScore();
  flat.update(4);
  assert.equal(flat.update(4), 0);
  assert.equal(flat.score(100), 0);
  assert.throws(() => new EwmaZScore({ gracePeriod: -1 }), /gracePeriod is -1/);
});

Deno.test("EwmaZScore - restore then continue equals never stopping", () => {
  const a = new EwmaZScore({ fadingFactor: 0.2, gracePeriod: 2 });
  [3, 4, 5].forEach((x) => a.update(x));
  const b = jsonRoundTrip(a, EwmaZScore.fromJSON);
  for (const x of [4, 9, 3, 30]) assert.equal(b.update(x), a.update(x));
  assert.equal(b.n, a.n);
});
