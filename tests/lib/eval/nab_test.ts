import assert from "node:assert/strict";
import {
  nabScore,
  probation,
  PROFILES,
  type ScoredSeries,
  sigmoid,
  windowRows,
} from "../../../lib/eval/nab.ts";

/** A 1000-row series (150 probation rows) with windows at rows 400-449 and 700-749. */
function series(scores: (i: number) => number): ScoredSeries {
  return {
    name: "s",
    scores: Array.from({ length: 1000 }, (_, i) => scores(i)),
    windows: [[400, 449], [700, 749]],
  };
}

Deno.test("nabScore - null detector 0, perfect detector 100, under every profile", () => {
  for (const p of Object.values(PROFILES)) {
    assert.equal(nabScore([series(() => 0.5)], p).normalised, 0);
    const perfect = nabScore([series((i) => (i === 400 || i === 700 ? 1 : 0))], p);
    assert.ok(Math.abs(perfect.normalised - 100) < 1e-9);
    assert.equal(perfect.threshold, 1);
  }
});

Deno.test("nabScore - late detections earn less; a false positive costs A_FP; probation is ignored", () => {
  const std = PROFILES.standard;
  // Detect at the last row of each window: S(-1/50)/S(-1) each.
  const late = nabScore([series((i) => (i === 449 || i === 749 ? 1 : 0))], std);
  const v = sigmoid(-1 / 50) / sigmoid(-1);
  assert.ok(Math.abs(late.raw - 2 * v) < 1e-9);
  // One window found at its start plus a false positive before the first window: 1 - 0.11 - 1 (missed).
  const fp = nabScore([series((i) => (i === 400 || i === 200 ? 1 : 0))], std);
  assert.ok(Math.abs(fp.raw - (1 - 0.11 - 1)) < 1e-9);
  // A "detection" inside the probation period is not scored at all.
  assert.equal(probation(1000), 150);
  const prob = nabScore([series((i) => (i === 10 || i === 400 || i === 700 ? 1 : 0))], std);
  assert.ok(Math.abs(prob.normalised - 100) < 1e-9);
});

Deno.test("windowRows - NAB window timestamps map to row indices", () => {
  const ts = ["2014-01-01 00:00:00", "2014-01-01 00:05:00", "2014-01-01 00:10:00"];
  assert.deepEqual(windowRows(ts, [["2014-01-01 00:05:00.000000", "2014-01-01 00:10:00.000000"]]), [[1, 2]]);
  assert.throws(
    () => windowRows(ts, [["2014-01-01 00:06:00.000000", "2014-01-01 00:10:00.000000"]]),
    /window/,
  );
});
