/**
 * Malformed Cowrie input for the ingest resilience tests, each piece with the rejection reason
 * the parser must give it (lib/parsers/cowrie.ts). Seeded, so a failure can be replayed.
 */
import type { RejectReason } from "../../lib/schema.ts";

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** Longest line the parser reads (MAX_LINE_BYTES); past it a line is `too_large`. */
const MAX_LINE = 65536;

const TS = "2026-11-25T10:00:00.000000Z";

/** A Cowrie login failure that is valid until `change` is applied. */
export function record(change: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventid: "cowrie.login.failed",
    timestamp: TS,
    src_ip: "203.0.113.9",
    session: "a1b2c3d4e5f6",
    src_port: 40000,
    username: "root",
    password: "123456",
    sensor: "fuzz",
    message: "",
    ...change,
  };
}

/** Random bytes (never a newline or carriage return), after `#` so they never read as JSON. */
function randomBytes(r: Rand): Uint8Array {
  const b = new Uint8Array(int(r, 1, 300));
  b[0] = 0x23;
  for (let i = 1; i < b.length; i++) {
    let x = int(r, 0, 255);
    while (x === 10 || x === 13) x = int(r, 0, 255);
    b[i] = x;
  }
  return b;
}

const BAD_IPS = [
  "999.1.1.1",
  "abc",
  "1.2.3",
  "1.2.3.4.5",
  "01.2.3.4",
  "gggg::1",
  "203.0.113.7/24",
  "::1%eth0",
];
const BAD_TIMES = ["yesterday", "2026-13-45T99:00:00Z", "2026-02-30T10:00:00Z", "2026-11-25T10:00:00", "0"];
const WRONG_TYPES: Record<string, unknown>[] = [
  { eventid: 42 },
  { src_port: "22" },
  { src_port: 22.5 },
  { username: { nested: true } },
  { password: ["a", "b"] },
  { timestamp: 1764064800 },
  { src_ip: ["203.0.113.9"] },
  { session: 7 },
];
const MISSING: Record<string, unknown>[] = [
  { eventid: undefined },
  { timestamp: null },
  { src_ip: "" },
];
const NOT_OBJECTS = ["[1,2,3]", "42", "null", "true", '"a string"', "[]", "-0.5e300"];

/** One bad NDJSON line: bytes (may be invalid UTF-8) and the reason it must be rejected with. */
export function badLine(r: Rand): { bytes: Uint8Array; reason: RejectReason } {
  const enc = new TextEncoder();
  const text = (s: string, reason: RejectReason) => ({ bytes: enc.encode(s), reason });
  const k = r();
  if (k < 0.25) return { bytes: randomBytes(r), reason: "not_json" };
  if (k < 0.4) {
    const s = JSON.stringify(record({ username: `u${int(r, 0, 1e6)}` }));
    return text(s.slice(0, int(r, 1, s.length - 2)), "truncated");
  }
  if (k < 0.5) return text(JSON.stringify(record(pick(r, WRONG_TYPES))), "wrong_type");
  if (k < 0.6) return text(JSON.stringify(record({ src_ip: pick(r, BAD_IPS) })), "invalid_ip");
  if (k < 0.7) return text(JSON.stringify(record({ timestamp: pick(r, BAD_TIMES) })), "invalid_timestamp");
  if (k < 0.75) return text(JSON.stringify(record({ src_port: pick(r, [-1, 65536, 1e9]) })), "invalid_port");
  if (k < 0.8) return text(JSON.stringify(record(pick(r, MISSING))), "missing_field");
  if (k < 0.9) return text(pick(r, NOT_OBJECTS), "not_object");
  if (k < 0.95) return text(pick(r, ["", " ", "\t", "   \t  "]), "empty");
  if (k < 0.97) return text(`{"eventid":"cowrie.login.failed","junk":[1,2,}`, "not_json");
  return text(`<html>${"x".repeat(int(r, 0, 100))}`, "not_json");
}

/** Arrays nested `depth` deep: valid JSON that is not an object. */
export function nestedArrays(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

/** Objects nested `depth` deep: valid JSON without an `eventid`. */
export function nestedObjects(depth: number): string {
  return '{"a":'.repeat(depth) + "{}" + "}".repeat(depth);
}

/** Lines that are expensive to parse or big, each with its reason; every one is under `maxBody`. */
export function heavyLines(): { line: string; reason: RejectReason }[] {
  return [
    // Deep nesting that still fits in one line.
    ...Array.from({ length: 10 }, () => ({ line: nestedArrays(30_000), reason: "not_object" as const })),
    ...Array.from({ length: 10 }, () => ({ line: nestedObjects(10_000), reason: "missing_field" as const })),
    // 100k nested arrays: past the line limit, refused before parsing.
    ...Array.from({ length: 5 }, () => ({ line: nestedArrays(100_000), reason: "too_large" as const })),
    // Just past the line limit, as bytes of a multi-byte character.
    { line: "é".repeat(MAX_LINE / 2 + 1), reason: "too_large" },
    { line: JSON.stringify(record({ username: "x".repeat(MAX_LINE) })), reason: "too_large" },
    // Large but allowed as a line: rejected for what it says, not for its size.
    { line: JSON.stringify(record({ src_ip: "x".repeat(60_000) })), reason: "invalid_ip" },
    { line: `{"eventid":"${"a".repeat(60_000)}`, reason: "truncated" },
  ];
}

/** One bad record for an uplink batch (an object, a value or a line) and its reason. */
export function badRecord(r: Rand): { record: unknown; reason: RejectReason } {
  const k = r();
  if (k < 0.2) return { record: record(pick(r, WRONG_TYPES)), reason: "wrong_type" };
  if (k < 0.35) return { record: record({ src_ip: pick(r, BAD_IPS) }), reason: "invalid_ip" };
  if (k < 0.5) return { record: record({ timestamp: pick(r, BAD_TIMES) }), reason: "invalid_timestamp" };
  if (k < 0.55) return { record: record({ dst_port: 70000 }), reason: "invalid_port" };
  if (k < 0.65) return { record: record(pick(r, MISSING)), reason: "missing_field" };
  if (k < 0.75) {
    return { record: pick(r, [1, null, true, [], [record()], "[1]", "null"]), reason: "not_object" };
  }
  if (k < 0.85) {
    return { record: new TextDecoder().decode(randomBytes(r)), reason: "not_json" };
  }
  if (k < 0.95) {
    const s = JSON.stringify(record());
    return { record: s.slice(0, int(r, 1, s.length - 2)), reason: "truncated" };
  }
  return { record: pick(r, ["", "  "]), reason: "empty" };
}
