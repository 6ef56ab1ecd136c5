/**
 * Zeek `conn.log` lines to `conn` events (`source: "zeek"`), in either of Zeek's formats:
 * - TSV: `#separator`, `#fields`, `#types` ... header lines (skipped, but `#separator`,
 *   `#fields`, `#unset_field`, `#empty_field` and `#path` are read), then one record a line;
 *   `-` is unset and `(empty)` an empty set. Before any `#fields` line the default conn.log
 *   columns are assumed, so a reader that starts mid-file still works.
 * - JSON (`LogAscii::use_json`): one object a line, `ts` as epoch seconds or ISO 8601.
 */
import { normaliseIp } from "../ip.ts";
import type { ParsedEvent, ParseResult } from "../schema.ts";
import { epochToMs, parseTimestamp } from "../timestamp.ts";
import { type LineParserContext, quote, reject, type Rejected } from "./line_context.ts";

const NAMES = [
  "ts",
  "uid",
  "id.orig_h",
  "id.orig_p",
  "id.resp_h",
  "id.resp_p",
  "proto",
  "service",
  "duration",
  "orig_bytes",
  "resp_bytes",
  "conn_state",
] as const;
type Name = typeof NAMES[number];

/** Zeek's conn.log columns, in order, when no `#fields` line has been seen. */
const DEFAULT_FIELDS = [
  ...NAMES,
  "local_orig",
  "local_resp",
  "missed_bytes",
  "history",
  "orig_pkts",
  "orig_ip_bytes",
  "resp_pkts",
  "resp_ip_bytes",
  "tunnel_parents",
];

/** Zeek writes the separator escaped, `#separator \x09`. */
function unescape(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Creates a parser of Zeek conn.log lines, TSV or JSON. It keeps the TSV header it has seen.
 *
 * @example
 * const p = createZeekParser({ sensor: "zeek1" });
 * p.parse('{"ts":1700000000.5,"uid":"C1","id.orig_h":"1.2.3.4","id.orig_p":5555,"id.resp_h":"10.0.0.1","id.resp_p":22,"proto":"tcp"}');
 * // { ok: true, event: { kind: "conn", src_ip: "1.2.3.4", dst_port: 22, session: "C1", ... } }
 */
export function createZeekParser(ctx: LineParserContext): { parse(line: string): ParseResult } {
  const sensor = ctx.sensor;
  const where = `Cannot parse Zeek conn record from sensor ${JSON.stringify(sensor)}`;
  let separator = "\t";
  let unset = "-";
  let empty = "(empty)";
  let path = "conn";
  let width = DEFAULT_FIELDS.length;
  let index = indexOf(DEFAULT_FIELDS);

  function indexOf(fields: readonly string[]): Record<Name, number> {
    const out = {} as Record<Name, number>;
    for (const n of NAMES) out[n] = fields.indexOf(n);
    return out;
  }

  function header(line: string): ParseResult {
    if (line.startsWith("#separator ")) {
      const sep = unescape(line.slice(11));
      if (sep !== "") separator = sep; // an empty separator would split every character
      return { ok: "skip", detail: "zeek header" };
    }
    const tab = line.indexOf(separator);
    const key = tab < 0 ? line : line.slice(0, tab);
    const value = tab < 0 ? "" : line.slice(tab + separator.length);
    if (key === "#fields") {
      const fields = value.split(separator);
      width = fields.length;
      index = indexOf(fields);
    } else if (key === "#unset_field") unset = value;
    else if (key === "#empty_field") empty = value;
    else if (key === "#path") path = value;
    return { ok: "skip", detail: "zeek header" };
  }

  function missing(name: string): Rejected {
    return reject("missing_field", `${where}: field "${name}" is missing`);
  }
  function wrong(name: string, v: unknown, rule: string): Rejected {
    const text = typeof v === "string" ? quote(v) : quote(JSON.stringify(v) ?? String(v));
    return reject("wrong_type", `${where}: field "${name}" is ${text}, not ${rule}`);
  }

  function ip(name: Name, v: unknown): string | Rejected {
    if (v === undefined) return missing(name);
    if (typeof v !== "string") return wrong(name, v, "an IP address");
    return normaliseIp(v) ?? reject("invalid_ip", `${where}: field "${name}" is ${quote(v)}`);
  }

  function port(name: Name, v: unknown): number | Rejected {
    if (v === undefined) return missing(name);
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d{1,6}$/.test(v) ? +v : NaN;
    if (Number.isNaN(n)) return wrong(name, v, "a port number");
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      return reject("invalid_port", `${where}: field "${name}" is ${n}`);
    }
    return n;
  }

  /** A non-negative number, or undefined when unset. */
  function amount(name: Name, v: unknown): number | undefined | Rejected {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d+(?:\.\d+)?$/.test(v) ? +v : NaN;
    if (!Number.isFinite(n) || n < 0) return wrong(name, v, "a non-negative number");
    return n;
  }

  function time(v: unknown): number | Rejected {
    if (v === undefined) return missing("ts");
    let ms: number | null = null;
    if (typeof v === "number") ms = epochToMs(v, "s");
    else if (typeof v === "string") ms = /^\d+(?:\.\d+)?$/.test(v) ? epochToMs(+v, "s") : parseTimestamp(v);
    else return wrong("ts", v, "a time");
    return ms ?? reject("invalid_timestamp", `${where}: field "ts" is ${quote(String(v))}`);
  }

  /** Builds the event from a record, whatever its format; `get` returns undefined when unset. */
  function build(get: (name: Name) => unknown): ParseResult {
    const ts = time(get("ts"));
    if (typeof ts !== "number") return ts;
    const src = ip("id.orig_h", get("id.orig_h"));
    if (typeof src !== "string") return src;
    const sport = port("id.orig_p", get("id.orig_p"));
    if (typeof sport !== "number") return sport;
    const dst = ip("id.resp_h", get("id.resp_h"));
    if (typeof dst !== "string") return dst;
    const dport = port("id.resp_p", get("id.resp_p"));
    if (typeof dport !== "number") return dport;
    const duration = amount("duration", get("duration"));
    if (typeof duration === "object") return duration;
    const ob = amount("orig_bytes", get("orig_bytes"));
    if (typeof ob === "object") return ob;
    const rb = amount("resp_bytes", get("resp_bytes"));
    if (typeof rb === "object") return rb;
    const ev: ParsedEvent = {
      ts,
      sensor,
      source: "zeek",
      kind: "conn",
      src_ip: src,
      src_port: sport,
      dst_ip: dst,
      dst_port: dport,
    };
    const proto = get("proto");
    if (typeof proto === "string" && proto !== "") ev.proto = proto.toLowerCase();
    if (duration !== undefined) ev.duration_ms = Math.round(duration * 1e6) / 1e3;
    if (ob !== undefined || rb !== undefined) ev.bytes = (ob ?? 0) + (rb ?? 0);
    const uid = get("uid");
    if (typeof uid === "string" && uid !== "") ev.session = uid;
    const raw: Record<string, unknown> = {};
    const state = get("conn_state");
    if (typeof state === "string" && state !== "") raw.conn_state = state;
    const service = get("service");
    if (typeof service === "string" && service !== "") raw.service = service;
    if (raw.conn_state !== undefined || raw.service !== undefined) ev.raw = raw;
    return { ok: true, event: ev };
  }

  function json(line: string): ParseResult {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return reject("not_json", `${where}: the line is not JSON: ${quote(line)}`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      return reject("not_object", `${where}: the line is JSON but not an object`);
    }
    const o = v as Record<string, unknown>;
    if (typeof o._path === "string" && o._path !== "conn") {
      return { ok: "skip", detail: "zeek: not a conn record" };
    }
    // Zeek writes `"id.orig_h"`; some shippers nest it as `"id": {"orig_h": ...}`.
    const id = typeof o.id === "object" && o.id !== null ? o.id as Record<string, unknown> : undefined;
    return build((n) => {
      const x = o[n];
      if (x !== undefined || id === undefined || !n.startsWith("id.")) return x ?? undefined;
      return id[n.slice(3)];
    });
  }

  function tsv(line: string): ParseResult {
    if (path !== "conn") return { ok: "skip", detail: "zeek: not a conn record" };
    const cols = line.split(separator);
    if (cols.length < width) {
      return reject("truncated", `${where}: ${cols.length} columns, the header has ${width}`);
    }
    if (cols.length > width) {
      return reject("unparsable_line", `${where}: ${cols.length} columns, the header has ${width}`);
    }
    return build((n) => {
      const i = index[n];
      if (i < 0) return undefined;
      const x = cols[i];
      return x === unset ? undefined : x === empty ? "" : x;
    });
  }

  return {
    parse(line: string): ParseResult {
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.trim() === "") return reject("empty", `${where}: the line is empty`);
      const c = line.charCodeAt(0);
      if (c === 35) return header(line); // "#"
      if (c === 123 || c === 91) return json(line); // "{" or "["
      return tsv(line);
    },
  };
}
