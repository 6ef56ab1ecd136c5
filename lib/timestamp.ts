/**
 * Time parsing for log timestamps: ISO 8601 strings as Cowrie writes them, and numeric epochs.
 */

const MS_PER_DAY = 86_400_000;

/** Reads `n` ASCII digits of `s` at `at` as a number, or -1 if any is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Parses an ISO 8601 timestamp with a zone to UTC milliseconds, or null.
 *
 * Accepted: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of any length (truncated to the
 * millisecond, never rounded), then `Z`, `±HHMM` or `±HH:MM`. Cowrie writes `Z` with 6 digits,
 * a `+0100`-style offset when its timezone is not named UTC, and (1.1) no fraction at whole
 * seconds. A time without a zone is rejected: its meaning depends on the writer's clock.
 * Impossible dates (month 13, Feb 30, hour 24, second 60) are rejected.
 *
 * @example parseTimestamp("2026-11-25T09:40:03.047646+0100") // Date.UTC(2026, 10, 25, 8, 40, 3, 47)
 */
export function parseTimestamp(s: string): number | null {
  if (typeof s !== "string" || s.length < 20 || s.length > 64) return null;
  if (
    s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58
  ) return null;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return null;

  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    const start = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      // Only the first three digits count: truncation cannot carry into the next second.
      if (i - start < 3) ms += (c - 48) * (i - start === 0 ? 100 : i - start === 1 ? 10 : 1);
      i++;
    }
    if (i === start) return null;
  }

  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90) { // "Z"
    if (i + 1 !== s.length) return null;
  } else if (z === 43 || z === 45) { // "+" or "-"
    const rest = s.length - i - 1;
    const colon = rest === 5 && s.charCodeAt(i + 3) === 58;
    if (rest !== 4 && !colon) return null;
    const oh = digits(s, i + 1, 2);
    const om = digits(s, colon ? i + 4 : i + 3, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
    offsetMin = (oh * 60 + om) * (z === 45 ? -1 : 1);
  } else {
    return null;
  }
  const t = daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi - offsetMin) * 60 + sec) * 1000 + ms;
  return t;
}

/** Largest time a JS Date can hold (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * Converts a numeric epoch to integer UTC milliseconds (floored), or null if it is not finite
 * or beyond the Date range. The unit is explicit: Cowrie's `epoch` field is milliseconds,
 * Zeek's `ts` is float seconds.
 *
 * @example epochToMs(1700000000.1234, "s") // 1700000000123
 */
export function epochToMs(value: number, unit: "s" | "ms"): number | null {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const exact = unit === "s" ? value * 1000 : value;
  // 1.001 * 1000 is 1000.9999999999999 in binary floating point: snap values within a
  // microsecond of a whole millisecond before flooring.
  const near = Math.round(exact);
  const ms = Math.abs(exact - near) < 1e-3 ? near : Math.floor(exact);
  return Math.abs(ms) > MAX_DATE_MS ? null : ms;
}

/** ISO 8601 UTC text of a millisecond time, e.g. `2026-11-25T08:40:03.047Z`. Throws RangeError outside the Date range. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
