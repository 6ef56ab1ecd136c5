/**
 * Format variants of raw records, for the consistency measure of data quality: which of the
 * shapes a field has taken across releases a sensor writes (shared/docs/cowrie-events.md).
 * The parser absorbs every one of them; this module only names them.
 */
import type { Source } from "../schema.ts";

/** Every variant name reported, so metrics and pages have a closed set. */
export const VARIANTS = [
  "ts_z_fraction", // 2026-11-25T08:40:03.047646Z (the normal form)
  "ts_z_no_fraction", // Cowrie 1.1 at whole seconds: 2017-01-01T00:00:00Z
  "ts_offset", // +0100 / +01:00 instead of Z (timezone not named UTC)
  "ts_other", // anything else (rejected by the parser)
  "duration_float", // session.closed/log.closed duration as float seconds (<= 2.6)
  "duration_string", // duration as a decimal string "10.1" (2.7 - 3.0.3, SSH)
  "duration_ms", // duration_ms integer (3.0.4+)
  "version_repr", // client version as Python repr of bytes, "b'SSH-2.0-Go'" (1.4 - 2.2)
  "version_plain",
  "message_list", // message written as a JSON list (session.params in 2.x)
  "message_missing", // no message (an unformatted download line)
  "json_spaced", // 1.x separators ", " and ": "
  "legacy_system", // Twisted `system`/`isError` keys (1.x)
  "syslog_bsd", // sshd / firewall line with an RFC 3164 "Nov 25 09:40:03" stamp
  "syslog_iso", // line with an ISO 8601 / RFC 5424 stamp
] as const;
export type Variant = typeof VARIANTS[number];

const TS_Z_FRACTION = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/;
const TS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const TS_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:?\d\d$/;
const SPACED = /^\s*\{"[^"\\]{1,40}": /;
const BSD = /^(<\d+>)?[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d /;
const ISO_LINE = /^(<\d+>)?(1 )?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/;

/** The timestamp form of a Cowrie `timestamp` value. */
export function timestampVariant(ts: unknown): Variant {
  if (typeof ts !== "string") return "ts_other";
  if (TS_Z_FRACTION.test(ts)) return "ts_z_fraction";
  if (TS_Z.test(ts)) return "ts_z_no_fraction";
  if (TS_OFFSET.test(ts)) return "ts_offset";
  return "ts_other";
}

/**
 * The variants one raw record shows. `record` is what the collector sent: a line (string)
 * or an already parsed object. Cowrie lines are parsed again here (a few per cent of the cost
 * of storing them); a record that is not JSON shows no variants (it is counted as rejected).
 */
export function recordVariants(source: Source, record: unknown): Variant[] {
  if (source !== "cowrie") {
    if (typeof record !== "string") return [];
    if (BSD.test(record)) return ["syslog_bsd"];
    if (ISO_LINE.test(record)) return ["syslog_iso"];
    return [];
  }
  let rec: unknown = record;
  const out: Variant[] = [];
  if (typeof record === "string") {
    if (SPACED.test(record)) out.push("json_spaced");
    try {
      rec = JSON.parse(record);
    } catch {
      return [];
    }
  }
  if (typeof rec !== "object" || rec === null || Array.isArray(rec)) return [];
  const r = rec as Record<string, unknown>;
  out.push(timestampVariant(r.timestamp));
  if (typeof r.duration === "number") out.push("duration_float");
  else if (typeof r.duration === "string") out.push("duration_string");
  if (typeof r.duration_ms === "number") out.push("duration_ms");
  if (typeof r.version === "string") {
    out.push(/^b(['"]).*\1$/s.test(r.version) ? "version_repr" : "version_plain");
  }
  if (Array.isArray(r.message)) out.push("message_list");
  else if (r.message === undefined) out.push("message_missing");
  if ("system" in r || "isError" in r) out.push("legacy_system");
  return out;
}
