import assert from "node:assert/strict";
import { grade } from "../../../lib/detectors/detector.ts";

Deno.test("grade - severity is medium from 1x the threshold, high from 3x, critical from 10x", () => {
  assert.equal(grade(5, 5).severity, "medium");
  assert.equal(grade(14, 5).severity, "medium");
  assert.equal(grade(15, 5).severity, "high");
  assert.equal(grade(49, 5).severity, "high");
  assert.equal(grade(50, 5).severity, "critical");
});

Deno.test("grade - score is 0.5 at the threshold, 1 from 4x, rounded to 3 places", () => {
  assert.equal(grade(5, 5).score, 0.5);
  assert.equal(grade(10, 5).score, 0.75);
  assert.equal(grade(20, 5).score, 1);
  assert.equal(grade(500, 5).score, 1);
  assert.equal(grade(7, 5).score, 0.621); // 0.5 + 0.25 log2(1.4)
  assert.equal(grade(0, 5).score, 0);
});

Deno.test("grade - a zero threshold grades as at the threshold", () => {
  assert.deepEqual(grade(3, 0), { severity: "medium", score: 0.5 });
});
