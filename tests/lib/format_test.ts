import assert from "node:assert/strict";
import { formatAxis } from "../../lib/format.ts";

Deno.test("formatAxis - time of day within a day; the date too past a day, so days differ", () => {
  const t = Date.parse("2026-11-25T10:05:30Z");
  const day = 86_400_000;
  // Within a day: the time alone (the same time of day on two days reads the same).
  assert.match(formatAxis(t, 3_600_000), /^\d{2}:\d{2}$/);
  assert.match(formatAxis(t, 3_600_000, true), /^\d{2}:\d{2}:\d{2}$/);
  assert.equal(formatAxis(t, 3_600_000), formatAxis(t + day, 3_600_000));
  // Past a day (a 7-day chart): the labels of two days differ and still carry the time.
  assert.notEqual(formatAxis(t, 7 * day), formatAxis(t + day, 7 * day));
  assert.match(formatAxis(t, 7 * day), /\d{2}:\d{2}/);
  assert.equal(formatAxis(Number.NaN, 0), "NaN");
});
