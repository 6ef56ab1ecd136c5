/**
 * Netfilter LOG lines (iptables, nftables, ufw) to `firewall` events (`source: "firewall"`).
 *
 * A line is a syslog or journald prefix, then the kernel's text: an optional uptime in
 * brackets, the log prefix the rule set (`[UFW BLOCK] `, `nft drop: `, `IPTABLES-DROP: `),
 * then `KEY=value` fields and bare TCP flags:
 *
 *   kernel: [259201.123456] [UFW BLOCK] IN=eth0 OUT= MAC=... SRC=1.2.3.4 DST=10.0.0.1 LEN=40
 *     TOS=0x00 PREC=0x00 TTL=241 ID=1 PROTO=TCP SPT=1234 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0
 *
 * `bytes` is the first LEN, the IP packet length (a UDP line repeats LEN for the datagram). An
 * ICMP error quotes the offending packet in brackets after the outer fields; that part is
 * ignored, so its ports are never taken for the outer packet's.
 */
import { normaliseIp } from "../ip.ts";
import type { ParsedEvent, ParseResult } from "../schema.ts";
import { createSyslogReader, type LineParserContext, quote, reject } from "./line_context.ts";

const TCP_FLAGS = new Set(["CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN"]);

/** Reads a port 0..65535 written in decimal, or -1. */
function port(s: string): number {
  if (s.length === 0 || s.length > 5) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v > 65535 ? -1 : v;
}

/** Where the `IN=` field starts (at the start or after a space), or -1. */
function fieldsStart(msg: string): number {
  if (msg.startsWith("IN=")) return 0;
  const i = msg.indexOf(" IN=");
  return i < 0 ? -1 : i + 1;
}

/** The rule's log prefix: brackets and a trailing colon removed, `[UFW BLOCK]` -> `UFW BLOCK`. */
function action(msg: string, end: number): string {
  let from = 0;
  // The kernel's uptime stamp, `[ 1234.567890]`, comes before the prefix when printk.time is on.
  if (msg.charCodeAt(0) === 91) {
    const close = msg.indexOf("]");
    if (close > 0 && close < end && /^\[\s*\d+\.\d+\]$/.test(msg.slice(0, close + 1))) from = close + 1;
  }
  let p = msg.slice(from, end).trim();
  if (p.endsWith(":")) p = p.slice(0, -1).trimEnd();
  if (p.startsWith("[") && p.endsWith("]")) p = p.slice(1, -1).trim();
  return p;
}

/**
 * Creates a parser of netfilter LOG lines. Lines without `SRC=` are skipped.
 *
 * @example
 * const p = createFirewallParser({ sensor: "fw01", year: 2026 });
 * p.parse("Sep 15 00:00:01 fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=10.0.0.1 LEN=40 PROTO=TCP SPT=1234 DPT=22 SYN");
 * // { ok: true, event: { kind: "firewall", src_ip: "1.2.3.4", dst_port: 22, proto: "tcp", raw: { action: "UFW BLOCK", flags: "SYN" }, ... } }
 */
export function createFirewallParser(ctx: LineParserContext): { parse(line: string): ParseResult } {
  const read = createSyslogReader(ctx);
  const sensor = ctx.sensor;
  const where = `Cannot parse firewall line from sensor ${JSON.stringify(sensor)}`;

  return {
    parse(line: string): ParseResult {
      const s = read(line.endsWith("\r") ? line.slice(0, -1) : line);
      if ("ok" in s) return s;
      const msg = s.msg;
      const start = fieldsStart(msg);
      if (start < 0 || msg.indexOf("SRC=", start) < 0) return { ok: "skip", detail: "not a packet log line" };
      // Fields of a quoted packet (ICMP errors) follow in brackets: stop before them.
      const quoted = msg.indexOf(" [", start);
      const tokens = msg.slice(start, quoted < 0 ? msg.length : quoted).split(" ");
      let src = "";
      let dst = "";
      let len = "";
      let proto = "";
      let spt = "";
      let dpt = "";
      let type = "";
      let flags = "";
      for (const t of tokens) {
        const eq = t.indexOf("=");
        if (eq < 0) {
          if (TCP_FLAGS.has(t)) flags = flags === "" ? t : flags + " " + t;
          continue;
        }
        switch (t.slice(0, eq)) {
          case "SRC":
            src = t.slice(eq + 1);
            break;
          case "DST":
            dst = t.slice(eq + 1);
            break;
          case "LEN":
            if (len === "") len = t.slice(eq + 1);
            break;
          case "PROTO":
            proto = t.slice(eq + 1);
            break;
          case "SPT":
            spt = t.slice(eq + 1);
            break;
          case "DPT":
            dpt = t.slice(eq + 1);
            break;
          case "TYPE":
            type = t.slice(eq + 1);
            break;
        }
      }
      const srcIp = normaliseIp(src);
      if (srcIp === null) return reject("invalid_ip", `${where}: SRC is ${quote(src)}`);
      const ev: ParsedEvent = { ts: s.ts, sensor, source: "firewall", kind: "firewall", src_ip: srcIp };
      if (dst !== "") {
        const dstIp = normaliseIp(dst);
        if (dstIp === null) return reject("invalid_ip", `${where}: DST is ${quote(dst)}`);
        ev.dst_ip = dstIp;
      }
      if (spt !== "") {
        const p = port(spt);
        if (p < 0) return reject("invalid_port", `${where}: SPT is ${quote(spt)}`);
        ev.src_port = p;
      }
      if (dpt !== "") {
        const p = port(dpt);
        if (p < 0) return reject("invalid_port", `${where}: DPT is ${quote(dpt)}`);
        ev.dst_port = p;
      }
      if (proto !== "") ev.proto = proto.toLowerCase();
      if (len !== "") {
        const n = /^\d{1,6}$/.test(len) ? +len : -1;
        if (n < 0) return reject("wrong_type", `${where}: LEN is ${quote(len)}`);
        ev.bytes = n;
      }
      const raw: Record<string, unknown> = {};
      const act = action(msg, start);
      if (act !== "") raw.action = act;
      if (flags !== "") raw.flags = flags;
      if (type !== "" && proto.startsWith("ICMP") && port(type) >= 0) raw.icmp_type = port(type);
      if (act !== "" || flags !== "" || raw.icmp_type !== undefined) ev.raw = raw;
      return { ok: true, event: ev };
    },
  };
}
