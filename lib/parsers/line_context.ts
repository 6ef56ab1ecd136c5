/**
 * What line parsers share: their context, result helpers and the syslog prefix reader.
 *
 * Prefixes read (an optional `<PRI>` first):
 * - classic BSD syslog, `Dec 10 06:55:46 host sshd[24200]: msg` (also `journalctl -o short`);
 * - ISO 8601, `2026-11-25T09:40:03.123456+00:00 host sshd[123]: msg` (rsyslog's
 *   high-precision file format, `journalctl -o short-iso` and `short-iso-precise`);
 * - RFC 5424, `<34>1 2026-11-25T09:40:03Z host sshd 123 - - msg`.
 *
 * Times without a zone are taken as UTC: a log line does not say which zone its writer used.
 */
import type { ParseResult, RejectReason } from "../schema.ts";
import { parseTimestamp } from "../timestamp.ts";

/** What a line parser knows beyond the line itself. */
export interface LineParserContext {
  /** Sensor name put on every event. */
  sensor: string;
  /** Year of the first classic syslog line; later lines roll over from Dec to Jan on their own. */
  year?: number;
  /** Clock for the year of classic syslog lines when `year` is not given; defaults to `Date.now`. */
  now?: () => number;
}

/** A rejected line, as a parser returns it. */
export type Rejected = Extract<ParseResult, { ok: false }>;

/** The parts of a syslog line. */
export interface SyslogLine {
  /** UTC milliseconds. */
  ts: number;
  host: string;
  /** The tag without its pid: `sshd`, `kernel`. */
  program: string;
  /** The pid in the tag as text, or "" when the tag has none. */
  pid: string;
  msg: string;
}

/** Builds a rejection. */
export function reject(reason: RejectReason, detail: string): Rejected {
  return { ok: false, reason, detail };
}

/** Quotes attacker-controlled text for a detail message: JSON-escaped and at most 80 characters. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? s.slice(0, 80) + "..." : s);
}

const MONTHS: Record<string, number> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

const DAY_MS = 86_400_000;
/** Classic syslog header: month, day (space- or zero-padded), time with an optional fraction. */
const CLASSIC = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.\d+)? /;
/** Something that started as a classic or ISO header and was cut short (the last line of a file being written). */
const CUT_HEADER = /^(?:[A-Z][a-z]{2} {1,2}\d{0,2}(?: [\d:.]*)?|\d{4}-[\d\-T:.+Z]*)$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Creates a reader of syslog prefixes. It keeps state: the year of classic lines (which carry
 * none) follows the lines it has seen.
 *
 * Year of a classic line: with `ctx.year`, that year for the first line, then +1 whenever the
 * month jumps back by more than six (Dec -> Jan), and -1 for a single line whose month jumps
 * forward by more than six (a late Dec line after Jan). Without it, the latest of next, this or
 * last UTC year (by `ctx.now`) that puts the line at most one day in the future: December lines
 * read in January belong to last year.
 */
export function createSyslogReader(ctx: LineParserContext): (line: string) => SyslogLine | Rejected {
  const now = ctx.now ?? Date.now;
  const where = `Cannot parse syslog line from sensor ${JSON.stringify(ctx.sensor)}`;
  let year = ctx.year ?? 0;
  let lastMonth = 0;
  // Consecutive lines usually share their second: cache the last header's time.
  let lastHeader = "";
  let lastTs = 0;

  function classicTime(mon: number, d: number, h: number, mi: number, s: number): number | null {
    if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
    const sec = s === 60 ? 59 : s; // a leap second, kept inside its minute
    if (ctx.year !== undefined) {
      let y = year;
      if (lastMonth !== 0 && mon > lastMonth + 6) {
        y = year - 1; // one late line: the state stays
      } else {
        if (lastMonth !== 0 && mon + 6 < lastMonth) y = year = year + 1;
        lastMonth = mon;
      }
      return d > daysInMonth(y, mon) ? null : Date.UTC(y, mon - 1, d, h, mi, sec);
    }
    const t = now();
    const limit = t + DAY_MS;
    const thisYear = new Date(t).getUTCFullYear();
    for (let y = thisYear + 1; y >= thisYear - 1; y--) {
      if (d > daysInMonth(y, mon)) continue;
      const ts = Date.UTC(y, mon - 1, d, h, mi, sec);
      if (ts <= limit) return ts;
    }
    return null;
  }

  /** Reads `host tag: msg` from `at`; `ts` is already known. */
  function rest(line: string, at: number, ts: number): SyslogLine | Rejected {
    const sp = line.indexOf(" ", at);
    if (sp < 0) return reject("unparsable_line", `${where}: no tag after the host`);
    let host = line.slice(at, sp);
    let tagStart = sp + 1;
    if (host.endsWith(":")) { // no host: `Dec 10 06:55:46 sshd[1]: msg`
      host = "";
      tagStart = at;
    }
    const colon = line.indexOf(": ", tagStart);
    const end = colon < 0 && line.endsWith(":") ? line.length - 1 : colon;
    if (end < 0) return reject("unparsable_line", `${where}: no "tag: " after the host`);
    const tag = line.slice(tagStart, end);
    const bracket = tag.indexOf("[");
    const program = bracket < 0 ? tag : tag.slice(0, bracket);
    const pid = bracket < 0 ? "" : tag.slice(bracket + 1, tag.length - 1);
    return { ts, host, program, pid, msg: colon < 0 ? "" : line.slice(colon + 2) };
  }

  function iso(line: string, at: number): SyslogLine | Rejected {
    const sp = line.indexOf(" ", at);
    if (sp < 0) return reject("truncated", `${where}: it ends after the timestamp`);
    const text = line.slice(at, sp);
    let ts = parseTimestamp(text);
    if (ts === null && text.length >= 19 && !/[Zz+-]/.test(text.slice(19))) {
      ts = parseTimestamp(text + "Z"); // no zone: UTC
    }
    if (ts === null) return reject("invalid_timestamp", `${where}: timestamp ${quote(text)}`);
    return rest(line, sp + 1, ts);
  }

  /** RFC 5424 after `<PRI>1 `: TIMESTAMP HOST APP PROCID MSGID SD MSG. */
  function rfc5424(line: string, at: number): SyslogLine | Rejected {
    const fields: string[] = [];
    let i = at;
    for (let k = 0; k < 5; k++) {
      const sp = line.indexOf(" ", i);
      if (sp < 0) return reject("truncated", `${where}: fewer than 6 RFC 5424 header fields`);
      fields.push(line.slice(i, sp));
      i = sp + 1;
    }
    const ts = fields[0] === "-" ? now() : parseTimestamp(fields[0]);
    if (ts === null) return reject("invalid_timestamp", `${where}: timestamp ${quote(fields[0])}`);
    // Structured data: "-" or one or more [id k="v"] elements; a `]` inside a value is escaped.
    if (line.charCodeAt(i) === 91) {
      while (line.charCodeAt(i) === 91) {
        let j = i + 1;
        while (j < line.length && !(line.charCodeAt(j) === 93 && line.charCodeAt(j - 1) !== 92)) j++;
        i = j + 1;
      }
    } else if (line.charCodeAt(i) === 45) {
      i++;
    }
    if (line.charCodeAt(i) === 32) i++;
    let msg = line.slice(i);
    if (msg.charCodeAt(0) === 0xfeff) msg = msg.slice(1);
    const pid = fields[3] === "-" ? "" : fields[3];
    return { ts, host: fields[1] === "-" ? "" : fields[1], program: fields[2], pid, msg };
  }

  return function read(line: string): SyslogLine | Rejected {
    if (line.length === 0) return reject("empty", `${where}: the line is empty`);
    let at = 0;
    if (line.charCodeAt(0) === 60) { // "<PRI>"
      const gt = line.indexOf(">");
      if (gt < 2 || gt > 4) return reject("unparsable_line", `${where}: bad <PRI>`);
      at = gt + 1;
      if (line.charCodeAt(at) === 49 && line.charCodeAt(at + 1) === 32) return rfc5424(line, at + 2);
    }
    const c = line.charCodeAt(at);
    if (c >= 48 && c <= 57) {
      if (line.charCodeAt(at + 4) === 45 && line.charCodeAt(at + 10) === 84) return iso(line, at);
    } else {
      const header = line.length - at > 16 ? line.slice(at, at + 16) : "";
      if (header !== "" && header === lastHeader) return rest(line, at + 16, lastTs);
      const m = CLASSIC.exec(at === 0 ? line : line.slice(at));
      if (m !== null) {
        const mon = MONTHS[m[1]];
        if (mon === undefined) return reject("invalid_timestamp", `${where}: month ${quote(m[1])}`);
        const ts = classicTime(mon, +m[2], +m[3], +m[4], +m[5]);
        if (ts === null) return reject("invalid_timestamp", `${where}: time ${quote(m[0])}`);
        // Only the common 16-character header ("Dec 10 06:55:46 ") is cached.
        if (m[0].length === 16) {
          lastHeader = header;
          lastTs = ts;
        }
        return rest(line, at + m[0].length, ts);
      }
    }
    if (CUT_HEADER.test(line.slice(at))) {
      return reject("truncated", `${where}: cut short ${quote(line)}`);
    }
    return reject("unparsable_line", `${where}: no syslog header in ${quote(line)}`);
  };
}
