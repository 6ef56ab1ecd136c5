import assert from "node:assert/strict";
import { epochToMs, parseTimestamp, toIso } from "../../lib/timestamp.ts";

Deno.test("parseTimestamp - reads Cowrie's normal UTC form", () => {
  assert.equal(parseTimestamp("2026-11-25T09:40:03.047646Z"), Date.UTC(2026, 10, 25, 9, 40, 3, 47));
});

Deno.test("parseTimestamp - applies +HHMM and +HH:MM offsets", () => {
  const utc = Date.UTC(2026, 10, 25, 8, 40, 3, 47);
  assert.equal(parseTimestamp("2026-11-25T09:40:03.047646+0100"), utc);
  assert.equal(parseTimestamp("2026-11-25T09:40:03.047646+01:00"), utc);
  assert.equal(parseTimestamp("2026-11-25T08:40:03.047646+0000"), utc);
  assert.equal(parseTimestamp("2026-11-25T03:10:03.047-05:30"), utc);
  // An offset can move the date across a day and a year.
  assert.equal(parseTimestamp("2027-01-01T00:30:00+0100"), Date.UTC(2026, 11, 31, 23, 30));
});

Deno.test("parseTimestamp - accepts no fraction and any fraction length, truncating to ms", () => {
  assert.equal(parseTimestamp("2017-01-01T00:00:00Z"), Date.UTC(2017, 0, 1));
  assert.equal(parseTimestamp("2017-01-01T00:00:00.5Z"), Date.UTC(2017, 0, 1) + 500);
  assert.equal(parseTimestamp("2017-01-01T00:00:00.12Z"), Date.UTC(2017, 0, 1) + 120);
  assert.equal(parseTimestamp("2017-01-01T00:00:00.123456789Z"), Date.UTC(2017, 0, 1) + 123);
  // Truncation never carries into the next second.
  assert.equal(parseTimestamp("2017-12-31T23:59:59.9999999Z"), Date.UTC(2017, 11, 31, 23, 59, 59, 999));
});

Deno.test("parseTimestamp - handles leap years", () => {
  assert.equal(parseTimestamp("2024-02-29T12:00:00Z"), Date.UTC(2024, 1, 29, 12));
  assert.equal(parseTimestamp("2000-02-29T00:00:00Z"), Date.UTC(2000, 1, 29));
  assert.equal(parseTimestamp("2023-02-29T00:00:00Z"), null);
  assert.equal(parseTimestamp("1900-02-29T00:00:00Z"), null);
});

Deno.test("parseTimestamp - round-trips Date#toISOString over many instants", () => {
  for (let t = Date.UTC(1970, 0, 1); t < Date.UTC(2100, 0, 1); t += 7_777_777_777) {
    assert.equal(parseTimestamp(new Date(t).toISOString()), t);
  }
});

Deno.test("parseTimestamp - rejects garbage and impossible dates", () => {
  for (
    const s of [
      "",
      "garbage",
      "2017-13-01T00:00:00Z",
      "2017-00-01T00:00:00Z",
      "2017-02-30T00:00:00Z",
      "2017-04-31T00:00:00Z",
      "2017-01-00T00:00:00Z",
      "2017-01-01T24:00:00Z",
      "2017-01-01T00:60:00Z",
      "2017-01-01T00:00:60Z",
      "2017-01-01T00:00:00", // no zone
      "2017-01-01 00:00:00Z",
      "2017-01-01T00:00:00.Z",
      "2017-01-01T00:00:00.123",
      "2017-01-01T00:00:00ZZ",
      "2017-01-01T00:00:00+01",
      "2017-01-01T00:00:00+0160",
      "2017-01-01T00:00:00+2400",
      "2017-1-01T00:00:00Z",
      "17-01-01T00:00:00.000Z",
      "2017-01-01T00:00:00.12a4Z",
      "+2017-01-01T00:00:00Z",
    ]
  ) {
    assert.equal(parseTimestamp(s), null, s);
  }
});

Deno.test("epochToMs - converts seconds and milliseconds with an explicit unit", () => {
  assert.equal(epochToMs(1700000000, "s"), 1700000000000);
  assert.equal(epochToMs(1700000000.1234, "s"), 1700000000123);
  assert.equal(epochToMs(1.001, "s"), 1001);
  assert.equal(epochToMs(1700000000123, "ms"), 1700000000123);
  assert.equal(epochToMs(1700000000123.9, "ms"), 1700000000123);
  assert.equal(epochToMs(Number.NaN, "s"), null);
  assert.equal(epochToMs(Infinity, "ms"), null);
  assert.equal(epochToMs(1e16, "ms"), null);
});

Deno.test("toIso - writes ISO 8601 UTC with milliseconds", () => {
  assert.equal(toIso(Date.UTC(2026, 10, 25, 8, 40, 3, 47)), "2026-11-25T08:40:03.047Z");
  assert.equal(toIso(parseTimestamp("2026-11-25T09:40:03.047646+0100")!), "2026-11-25T08:40:03.047Z");
});
