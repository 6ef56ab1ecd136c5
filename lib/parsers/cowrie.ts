/**
 * Cowrie `cowrie.json` parser: one JSON line (or an already parsed record) to a `ParsedEvent`.
 *
 * Covers every Cowrie release from 1.x to 3.0.x; the quirks it absorbs are listed in
 * `shared/docs/cowrie-events.md`. One table, `EVENTS`, says for each eventid which `Kind` it
 * is and which raw fields are read, with what type, into which event field. The hot path checks
 * those fields by hand (zod would halve the parse rate); `cowrieRecordSchema` builds the same
 * rules as zod schemas, which document the raw record and let tests hold the two to agreement.
 */
import { z } from "zod";
import type { Kind, ParsedEvent, ParseResult, RejectReason } from "../schema.ts";
import { normaliseIp } from "../ip.ts";
import { parseTimestamp } from "../timestamp.ts";

/** Longest line, in UTF-8 bytes, that is parsed at all. */
export const MAX_LINE_BYTES = 65536;

/** Cap on attacker-controlled text (username, password, command, url, client). */
export const MAX_TEXT = 4096;
/** Cap on short identifiers and extras (session, hassh, host names, file names). */
const MAX_SHORT = 255;

/**
 * How a raw field is read. `text`/`short`: string, capped. `version`: string, `b'…'` unwrapped.
 * `port`: integer 0..65535. `host`: IP (made canonical) or host name. `seconds`: float or decimal
 * string of seconds. `millis`, `count`: non-negative number / integer.
 */
type FieldType = "text" | "short" | "version" | "port" | "host" | "seconds" | "millis" | "count";
/** A raw key, its type, and where it goes: an event field or, for `"raw"`, `raw[key]`. */
type Field = readonly [key: string, type: FieldType, to: keyof ParsedEvent | "raw"];
interface EventSpec {
  kind: Kind;
  fields: readonly Field[];
}

/** Read on every event. On `direct-tcpip.*`, dst_* is the requested target, not the honeypot. */
const COMMON: readonly Field[] = [
  ["session", "short", "session"],
  ["protocol", "short", "proto"],
  ["src_port", "port", "src_port"],
  ["dst_ip", "host", "dst_ip"],
  ["dst_port", "port", "dst_port"],
];
// ≤2.6: float seconds; 2.7–3.0.3: SSH writes a string "10.1"; 3.0.4+: duration_ms. Last wins.
const DURATION: readonly Field[] = [
  ["duration", "seconds", "duration_ms"],
  ["duration_ms", "millis", "duration_ms"],
];
// Public-key attempts (2.6.1+) carry fingerprint/key/type instead of a password.
const LOGIN: readonly Field[] = [
  ["username", "text", "username"],
  ["password", "text", "password"],
  ["fingerprint", "short", "raw"],
  ["type", "short", "raw"],
];
// Up to 3.0.5 a forward's src_port is the origin the client claims; 3.0.6+ moved it to orig_*.
const FORWARD: readonly Field[] = [["orig_ip", "host", "raw"], ["orig_port", "port", "raw"]];
const SHA: Field = ["shasum", "short", "sha256"];

const EVENTS = new Map<string, EventSpec>([
  ["cowrie.session.connect", { kind: "connect", fields: [] }],
  ["cowrie.session.closed", { kind: "closed", fields: DURATION }],
  ["cowrie.client.version", { kind: "client_version", fields: [["version", "version", "client"]] }],
  ["cowrie.client.kex", { kind: "client_kex", fields: [["hassh", "short", "hassh"]] }],
  ["cowrie.client.fingerprint", { kind: "client_fingerprint", fields: LOGIN }],
  ["cowrie.client.size", {
    kind: "client_size",
    fields: [["width", "count", "raw"], ["height", "count", "raw"]],
  }],
  ["cowrie.client.var", {
    kind: "client_var",
    fields: [["name", "short", "raw"], ["value", "short", "raw"]],
  }],
  ["cowrie.login.failed", { kind: "login_failed", fields: LOGIN }],
  ["cowrie.login.success", { kind: "login_success", fields: LOGIN }],
  ["cowrie.command.input", {
    kind: "command",
    fields: [["input", "text", "command"], ["realm", "short", "raw"]],
  }],
  ["cowrie.command.failed", { kind: "command_failed", fields: [["input", "text", "command"]] }],
  ["cowrie.session.file_download", {
    kind: "download",
    fields: [["url", "text", "url"], SHA, ["destfile", "short", "raw"]],
  }],
  ["cowrie.session.file_download.failed", { kind: "download_failed", fields: [["url", "text", "url"]] }],
  ["cowrie.session.file_upload", { kind: "upload", fields: [SHA, ["filename", "short", "raw"]] }],
  ["cowrie.direct-tcpip.request", { kind: "tcpip_request", fields: FORWARD }],
  ["cowrie.direct-tcpip.redirect", { kind: "tcpip_request", fields: FORWARD }],
  ["cowrie.direct-tcpip.tunnel", { kind: "tcpip_request", fields: FORWARD }],
  // Data events carry src_port only from 3.0.6 on, where it is the connection's own port.
  ["cowrie.direct-tcpip.data", { kind: "tcpip_data", fields: [] }],
  ["cowrie.tunnelproxy-tcpip.data", { kind: "tcpip_data", fields: [] }],
  // TLS / HTTP fingerprints of data seen inside a forward: forward data, fingerprint kept in raw.
  ["cowrie.direct-tcpip.ja4", { kind: "tcpip_data", fields: [["ja4", "short", "raw"]] }],
  ["cowrie.direct-tcpip.ja4h", { kind: "tcpip_data", fields: [["ja4h", "short", "raw"]] }],
  ["cowrie.session.params", { kind: "session_params", fields: [["arch", "short", "raw"]] }],
  ["cowrie.session.input", {
    kind: "session_input",
    fields: [["input", "text", "command"], ["realm", "short", "raw"]],
  }],
  ["cowrie.log.open", { kind: "log_open", fields: [] }],
  ["cowrie.log.closed", { kind: "log_closed", fields: [...DURATION, ["size", "count", "bytes"], SHA] }],
]);
/** Any other eventid, catalogued (command.success, telnet.*, proxy.*, plugins) or new: kept whole. */
const OTHER: EventSpec = { kind: "other", fields: [] };

/** The `Kind` an eventid maps to; `other` for ids without one. */
export function cowrieKind(eventid: string): Kind {
  return (EVENTS.get(eventid) ?? OTHER).kind;
}

type Fail = { ok: false; reason: RejectReason; detail: string };
function fail(reason: RejectReason, detail: string): Fail {
  return { ok: false, reason, detail };
}

/** A value as it appears in a detail message: JSON, cut short. */
function show(v: unknown): string {
  const s = v === undefined ? "undefined" : JSON.stringify(v) ?? String(v);
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
function badField(reason: RejectReason, key: string, v: unknown, expected: string): Fail {
  return fail(reason, `field "${key}" is ${show(v)}, expected ${expected}`);
}

/** Caps a string at `max` UTF-16 units without splitting a surrogate pair. */
function cap(s: string, max: number): string {
  if (s.length <= max) return s;
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

/** 1.4–2.2 wrote the SSH version as Python's repr of bytes, `b'SSH-2.0-Go'`; strip that wrapper. */
function unrepr(s: string): string {
  const q = s.charCodeAt(1);
  if (s.charCodeAt(0) !== 98 || (q !== 39 && q !== 34) || s.length < 3 || s.charCodeAt(s.length - 1) !== q) {
    return s;
  }
  const inner = s.slice(2, -1);
  // Other escapes (\xNN, \\, \r) stay as text, the same shape 3.0.5+ writes itself.
  return q === 39 ? inner.replaceAll("\\'", "'") : inner.replaceAll('\\"', '"');
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

/** Checks one raw value; returns the value to store or a `Fail`. */
function read(key: string, type: FieldType, v: unknown): unknown {
  switch (type) {
    case "text":
    case "short":
    case "version":
      if (typeof v !== "string") return badField("wrong_type", key, v, "a string");
      return type === "text"
        ? cap(v, MAX_TEXT)
        : type === "short"
        ? cap(v, MAX_SHORT)
        : cap(unrepr(v), MAX_TEXT);
    case "host":
      if (typeof v !== "string") return badField("wrong_type", key, v, "a string");
      // A forward target may be a host name: kept as text, not rejected.
      return normaliseIp(v) ?? cap(v, MAX_SHORT);
    case "port":
      if (typeof v !== "number" || !Number.isInteger(v)) return badField("wrong_type", key, v, "an integer");
      if (v < 0 || v > 65535) return badField("invalid_port", key, v, "a port in 0..65535");
      return v;
    case "seconds": {
      const s = typeof v === "string" && DECIMAL.test(v) ? Number(v) : v;
      if (typeof s !== "number" || !(s >= 0) || s === Infinity) {
        return badField("wrong_type", key, v, "seconds as a non-negative number or decimal string");
      }
      return Math.round(s * 1000);
    }
    case "millis":
    case "count":
      if (
        typeof v !== "number" || !(v >= 0) || v === Infinity || (type === "count" && !Number.isSafeInteger(v))
      ) {
        return badField(
          "wrong_type",
          key,
          v,
          type === "count" ? "a non-negative integer" : "a non-negative number",
        );
      }
      return type === "millis" ? Math.round(v) : v;
  }
}

function isFail(v: unknown): v is Fail {
  return typeof v === "object" && v !== null && (v as Fail).ok === false;
}

/** Reads `fields` of `rec` into `ev`; null (like absent) is skipped, as Python writes None. */
function readFields(
  rec: Record<string, unknown>,
  fields: readonly Field[],
  ev: ParsedEvent,
): Fail | undefined {
  for (const [key, type, to] of fields) {
    const v = rec[key];
    if (v === undefined || v === null) continue;
    const value = read(key, type, v);
    if (isFail(value)) return value;
    if (to === "raw") (ev.raw ??= {})[key] = value;
    else (ev as Record<string, unknown>)[to] = value;
  }
  return undefined;
}

/** Reads a required string field; returns it or a `Fail`. */
function required(rec: Record<string, unknown>, key: string): string | Fail {
  const v = rec[key];
  if (v === undefined || v === null || v === "") return fail("missing_field", `missing field "${key}"`);
  if (typeof v !== "string") return badField("wrong_type", key, v, "a string");
  return v;
}

/**
 * Maps an already parsed Cowrie record (e.g. from a WebSocket batch) to an event.
 *
 * Requires `eventid`, `timestamp` and `src_ip`; every other field is optional but, when present,
 * must have its documented type. The first problem found decides the reason, checked in the order
 * eventid, timestamp, src_ip, then the other fields.
 *
 * @example parseCowrieRecord(JSON.parse(line), "vm1")
 */
export function parseCowrieRecord(rec: unknown, sensor: string): ParseResult {
  if (typeof rec !== "object" || rec === null || Array.isArray(rec)) {
    return fail("not_object", `record is ${show(rec)}, expected a JSON object`);
  }
  const r = rec as Record<string, unknown>;
  const eventid = required(r, "eventid");
  if (typeof eventid !== "string") return eventid;
  const timestamp = required(r, "timestamp");
  if (typeof timestamp !== "string") return timestamp;
  const ts = parseTimestamp(timestamp);
  if (ts === null) {
    return badField("invalid_timestamp", "timestamp", timestamp, "an ISO 8601 time with a zone");
  }
  const srcRaw = required(r, "src_ip");
  if (typeof srcRaw !== "string") return srcRaw;
  const src_ip = normaliseIp(srcRaw);
  if (src_ip === null) return badField("invalid_ip", "src_ip", srcRaw, "an IPv4 or IPv6 address");

  const spec = EVENTS.get(eventid) ?? OTHER;
  const ev: ParsedEvent = {
    ts,
    sensor,
    source: "cowrie",
    kind: spec.kind,
    eventid: cap(eventid, MAX_SHORT),
    src_ip,
  };
  const err = readFields(r, COMMON, ev) ?? readFields(r, spec.fields, ev);
  if (err) return err;
  if (ev.proto === undefined) {
    // 1.x wrote no protocol on most events; Twisted's `system` names the transport.
    const system = r.system;
    if (typeof system === "string") {
      if (system.includes("Telnet")) ev.proto = "telnet";
      else if (system.includes("SSH")) ev.proto = "ssh";
    }
  }
  if (
    spec.kind === "tcpip_request" && ev.src_port !== undefined && r.orig_port == null && r.orig_ip == null
  ) {
    // Pre-3.0.6 forward: src_port is the claimed origin, not the TCP connection's port.
    (ev.raw ??= {}).orig_port = ev.src_port;
    delete ev.src_port;
  }
  if (spec === OTHER) ev.raw = capRaw(r);
  return { ok: true, event: ev };
}

// Bounds for `raw` of unknown events, so one stored value stays a few KB (KV values max 64 KiB).
const RAW_STRING = 1024;
const RAW_ENTRIES = 64;
const RAW_DEPTH = 3;
const RAW_BUDGET = 8192;

/** A copy of `rec` with strings, containers, depth and total size bounded. */
function capRaw(rec: Record<string, unknown>): Record<string, unknown> {
  let budget = RAW_BUDGET;
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") {
      const s = cap(v, Math.min(RAW_STRING, Math.max(budget, 0)));
      budget -= s.length;
      return s;
    }
    if (typeof v !== "object" || v === null) return v;
    if (depth >= RAW_DEPTH || budget <= 0) return Array.isArray(v) ? [] : {};
    if (Array.isArray(v)) return v.slice(0, RAW_ENTRIES).map((x) => copy(x, depth + 1));
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const k in v) {
      if (++n > RAW_ENTRIES || budget <= 0) break;
      budget -= k.length;
      // defineProperty: a "__proto__" key from JSON must stay data, not become a prototype.
      Object.defineProperty(out, k, {
        value: copy((v as Record<string, unknown>)[k], depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return copy(rec, 0) as Record<string, unknown>;
}

/** UTF-8 length of `s` (lone surrogates count 3, as TextEncoder writes U+FFFD). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Parses one line of `cowrie.json`.
 *
 * Rejects, in this order: line over `MAX_LINE_BYTES` (checked before any parsing, so a huge line
 * is cheap), empty or blank line, invalid JSON (`truncated` when it opens an object that never closes, as a file
 * copied mid-write ends), then whatever `parseCowrieRecord` rejects.
 *
 * @example parseCowrieLine('{"eventid":"cowrie.session.connect",…}', "vm1")
 */
export function parseCowrieLine(line: string, sensor: string): ParseResult {
  const n = line.length;
  // UTF-16 units never exceed UTF-8 bytes, and one unit is at most 3 bytes.
  if (n > MAX_LINE_BYTES) {
    return fail("too_large", `line is at least ${n} bytes, more than ${MAX_LINE_BYTES}`);
  }
  if (n * 3 > MAX_LINE_BYTES) {
    const bytes = utf8Length(line);
    if (bytes > MAX_LINE_BYTES) {
      return fail("too_large", `line is ${bytes} bytes, more than ${MAX_LINE_BYTES}`);
    }
  }
  const text = n > 0 && line.charCodeAt(0) > 32 && line.charCodeAt(n - 1) > 32 ? line : line.trim();
  if (text.length === 0) return fail("empty", "line is empty");
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch (e) {
    if (text.charCodeAt(0) === 123 && text.charCodeAt(text.length - 1) !== 125) {
      return fail("truncated", `line of ${text.length} characters ends inside a JSON object`);
    }
    return fail("not_json", cap(`line is not JSON: ${(e as Error).message}`, 200));
  }
  return parseCowrieRecord(rec, sensor);
}

/** The zod type of one field type (the documentation twin of `read`). */
function zodField(type: FieldType): z.ZodType {
  switch (type) {
    case "text":
    case "short":
    case "version":
    case "host":
      return z.string();
    case "port":
      return z.number().int().min(0).max(65535);
    case "seconds":
      return z.union([z.number().min(0), z.string().regex(DECIMAL)]);
    case "millis":
      return z.number().min(0);
    case "count":
      return z.number().int().min(0);
  }
}

/**
 * The raw Cowrie record accepted for `eventid`, as a loose zod object (key sets vary by
 * release; unread keys pass). Built on each call from the parser's own table; not used on the
 * hot path.
 */
export function cowrieRecordSchema(eventid: string): z.ZodType {
  const spec = EVENTS.get(eventid) ?? OTHER;
  const shape: Record<string, z.ZodType> = {
    eventid: z.string().min(1),
    timestamp: z.string().refine((s) => parseTimestamp(s) !== null, "an ISO 8601 time with a zone"),
    src_ip: z.string().refine((s) => normaliseIp(s) !== null, "an IPv4 or IPv6 address"),
  };
  for (const [k, type] of [...COMMON, ...spec.fields]) shape[k] = zodField(type).nullish();
  return z.looseObject(shape);
}
