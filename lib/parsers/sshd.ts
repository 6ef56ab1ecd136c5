/**
 * OpenSSH `sshd` log lines to events (`source: "sshd"`).
 *
 * Counting rule: one `login_failed` per real authentication attempt.
 * - `Invalid user U from IP` (and `User U from IP not allowed because ...`) is an attempt: sshd
 *   logs it when the client first asks to log in as U, and with password authentication off it
 *   is the only trace of the attempt.
 * - The first `Failed <method> for invalid user U from IP` after it in the same sshd process
 *   (same pid, user and IP) is the same attempt and is merged (`ok: "skip"`). fail2ban counts
 *   both lines, its known double count. Later `Failed` lines of that process are new attempts.
 * - `error: maximum authentication attempts exceeded for U from IP` is logged right after the
 *   `Failed` line of the attempt that crossed MaxAuthTries (OpenSSH auth2.c), so it is merged
 *   with that line the same way; fail2ban counts it too, a second double count we avoid. It
 *   counts only when that `Failed` line was not seen (for instance, a log rotated in between).
 * - `Failed none` is the client asking which methods exist; OpenSSH does not count it as a
 *   failure, neither do we (`ok: "skip"`).
 * - rsyslog's `message repeated N times: [ Failed ... ]` is one event with `raw.repeated = N`:
 *   a result holds one event, so a counter that wants attempts weighs the event by it.
 * - PAM's lines (`pam_unix(sshd:auth): authentication failure`, `PAM 2 more authentication
 *   failures`) repeat what the `Failed` lines say and are skipped.
 */
import { normaliseIp } from "../ip.ts";
import type { Kind, ParsedEvent, ParseResult } from "../schema.ts";
import { createSyslogReader, type LineParserContext, quote, reject, type Rejected } from "./line_context.ts";

/** Options of {@linkcode createSshdParser}. */
export interface SshdParserOptions {
  /** sshd processes whose state is kept, least recently used dropped first. Default 10,000. */
  maxConnections?: number;
}

/** What is remembered of one sshd process (one connection) for the merge rules. */
interface Conn {
  user: string;
  ip: string;
  /** An `Invalid user` line is waiting for its first `Failed` line. */
  invalid: boolean;
  /** The last line was a `Failed` line a `maximum authentication attempts` line may echo. */
  failed: boolean;
}

interface Peer {
  ip: string;
  port: number; // -1 when the line has none
}

const PROGRAMS = new Set(["sshd", "sshd-session", "sshd-auth"]);
const MERGED_INVALID = "merged: first Failed line after Invalid user in the same sshd process";
const MERGED_MAXAUTH = "merged: maximum authentication attempts echoes the Failed line before it";
const DEFAULT_MAX_CONNECTIONS = 10_000;

/** Reads decimal digits of `s` in `[from, to)` as a number, or -1 if empty or any is not a digit. */
function digitsAt(s: string, from: number, to: number): number {
  if (to <= from || to - from > 6) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** End of the run of digits starting at `i`. */
function digitsEnd(s: string, i: number): number {
  while (i < s.length) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    i++;
  }
  return i;
}

/**
 * Creates a parser of sshd syslog lines. It keeps per-process state for the merge rules
 * above, bounded to `options.maxConnections` processes.
 *
 * @example
 * const p = createSshdParser({ sensor: "vm1", year: 2026 });
 * p.parse("Dec 10 06:55:48 vm1 sshd[24200]: Failed password for root from 1.2.3.4 port 22 ssh2");
 * // { ok: true, event: { kind: "login_failed", src_ip: "1.2.3.4", username: "root", ... } }
 */
export function createSshdParser(
  ctx: LineParserContext,
  options: SshdParserOptions = {},
): { parse(line: string): ParseResult } {
  const read = createSyslogReader(ctx);
  const sensor = ctx.sensor;
  const where = `Cannot parse sshd line from sensor ${JSON.stringify(sensor)}`;
  const cap = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const conns = new Map<string, Conn>();

  function remember(key: string, conn: Conn): void {
    conns.delete(key); // re-insert: a Map iterates in insertion order, so the first key is the LRU
    conns.set(key, conn);
    if (conns.size > cap) conns.delete(conns.keys().next().value!);
  }

  function badIp(text: string): Rejected {
    return reject("invalid_ip", `${where}: address ${quote(text)} is not an IP`);
  }
  function badLine(shape: string, msg: string): Rejected {
    return reject("unparsable_line", `${where}: ${shape} line without the expected address: ${quote(msg)}`);
  }

  /** Reads `IP[ port P]` starting at `i`; the IP ends at a space or the end of `s`. */
  function peerAt(s: string, i: number): Peer | Rejected {
    let sp = s.indexOf(" ", i);
    if (sp < 0) sp = s.length;
    const text = s.slice(i, sp);
    const ip = normaliseIp(text);
    if (ip === null) return badIp(text);
    if (!s.startsWith(" port ", sp)) return { ip, port: -1 };
    const end = digitsEnd(s, sp + 6);
    const port = digitsAt(s, sp + 6, end);
    if (port < 0 || port > 65535) {
      return reject("invalid_port", `${where}: port ${quote(s.slice(sp + 6, end))}`);
    }
    return { ip, port };
  }

  /** Reads `[prefix ]IP[ port P]` ending `s` (after a ` [preauth]` is cut); returns the prefix too. */
  function peerAtEnd(s: string): (Peer & { head: string }) | Rejected {
    let end = s.endsWith(" [preauth]") ? s.length - 10 : s.length;
    let port = -1;
    const p = s.lastIndexOf(" port ", end);
    if (p >= 0) {
      const n = digitsAt(s, p + 6, end);
      if (n > 65535) return reject("invalid_port", `${where}: port ${quote(s.slice(p + 6, end))}`);
      if (n >= 0) {
        port = n;
        end = p;
      }
    }
    const sp = s.lastIndexOf(" ", end - 1);
    const text = s.slice(sp + 1, end);
    const ip = normaliseIp(text);
    if (ip === null) return badIp(text);
    return { ip, port, head: sp < 0 ? "" : s.slice(0, sp) };
  }

  function event(
    kind: Kind,
    ts: number,
    session: string,
    peer: Peer,
    username: string | undefined,
    raw: Record<string, unknown> | undefined,
    dst?: Peer,
  ): ParseResult {
    const ev: ParsedEvent = { ts, sensor, source: "sshd", kind, src_ip: peer.ip };
    if (peer.port >= 0) ev.src_port = peer.port;
    if (dst !== undefined) {
      ev.dst_ip = dst.ip;
      if (dst.port >= 0) ev.dst_port = dst.port;
    }
    if (session !== "") ev.session = session;
    if (username !== undefined) ev.username = username;
    if (raw !== undefined) ev.raw = raw;
    return { ok: true, event: ev };
  }

  /** `Failed|Accepted <method> for [invalid user ]U from IP port P ssh2[: key]`, from `at`. */
  function auth(msg: string, failed: boolean, ts: number, key: string, repeated: number): ParseResult {
    const at = failed ? 7 : 9;
    const forAt = msg.indexOf(" for ", at);
    const fromAt = msg.lastIndexOf(" from ");
    if (forAt < 0 || fromAt < forAt) return badLine(failed ? "Failed" : "Accepted", msg);
    const method = msg.slice(at, forAt);
    if (failed && method === "none") {
      return { ok: "skip", detail: "Failed none: a method query, not an attempt" };
    }
    let userAt = forAt + 5;
    const invalid = msg.startsWith("invalid user ", userAt);
    if (invalid) userAt += 13;
    const user = msg.slice(userAt, Math.max(userAt, fromAt));
    const peer = peerAt(msg, fromAt + 6);
    if ("ok" in peer) return peer;
    if (!failed) {
      conns.delete(key);
      return event("login_success", ts, key, peer, user, { method });
    }
    if (repeated > 0) {
      return event("login_failed", ts, key, peer, user, { method, repeated, invalid_user: invalid });
    }
    const conn = key === "" ? undefined : conns.get(key);
    if (conn !== undefined && conn.invalid && conn.user === user && conn.ip === peer.ip) {
      conn.invalid = false;
      conn.failed = true;
      return { ok: "skip", detail: MERGED_INVALID };
    }
    if (key !== "") remember(key, { user, ip: peer.ip, invalid: false, failed: true });
    return event("login_failed", ts, key, peer, user, invalid ? { method, invalid_user: true } : { method });
  }

  /** `Invalid user U from IP[ port P]`, `User U from IP not allowed because ...`. */
  function invalidUser(msg: string, userAt: number, fromAt: number, ts: number, key: string): ParseResult {
    if (fromAt < userAt - 1) return badLine("Invalid user", msg);
    const user = msg.slice(userAt, Math.max(userAt, fromAt));
    const peer = peerAt(msg, fromAt + 6);
    if ("ok" in peer) return peer;
    if (key !== "") remember(key, { user, ip: peer.ip, invalid: true, failed: false });
    return event("login_failed", ts, key, peer, user, { invalid_user: true });
  }

  /** `maximum authentication attempts exceeded for [invalid user ]U from IP port P ssh2 [preauth]`. */
  function maxAuth(msg: string, ts: number, key: string): ParseResult {
    let userAt = 45;
    const invalid = msg.startsWith("invalid user ", userAt);
    if (invalid) userAt += 13;
    const fromAt = msg.lastIndexOf(" from ");
    if (fromAt < userAt - 1) return badLine("maximum authentication attempts", msg);
    const user = msg.slice(userAt, Math.max(userAt, fromAt));
    const peer = peerAt(msg, fromAt + 6);
    if ("ok" in peer) return peer;
    const conn = key === "" ? undefined : conns.get(key);
    if (conn !== undefined && conn.failed && conn.user === user && conn.ip === peer.ip) {
      conn.failed = false;
      return { ok: "skip", detail: MERGED_MAXAUTH };
    }
    const raw = invalid ? { method: "max_auth_tries", invalid_user: true } : { method: "max_auth_tries" };
    return event("login_failed", ts, key, peer, user, raw);
  }

  /** `Disconnected from`, `Connection closed by`, `Connection reset by`: `[... user U ]IP[ port P][ [preauth]]`. */
  function closed(msg: string, at: number, ts: number, key: string): ParseResult {
    const body = msg.slice(at);
    const peer = peerAtEnd(body);
    if ("ok" in peer) return peer;
    if (key !== "") conns.delete(key);
    const u = peer.head.indexOf("user ");
    const user = u < 0 ? undefined : peer.head.slice(u + 5);
    return event(
      "disconnect",
      ts,
      key,
      peer,
      user,
      msg.endsWith(" [preauth]") ? { preauth: true } : undefined,
    );
  }

  /** `Received disconnect from IP port P:11: text [preauth]`, older `from IP: 11: text`. */
  function received(msg: string, ts: number, key: string): ParseResult {
    const at = 25;
    const sp = msg.indexOf(" ", at);
    let peer: Peer | Rejected;
    let codeAt: number;
    if (sp >= 0 && msg.startsWith(" port ", sp)) {
      peer = peerAt(msg, at);
      codeAt = msg.indexOf(":", sp) + 1;
    } else {
      const colon = msg.indexOf(": ", at);
      if (colon < 0) return badLine("Received disconnect", msg);
      peer = peerAt(msg.slice(0, colon), at);
      codeAt = colon + 2;
    }
    if ("ok" in peer) return peer;
    if (key !== "") conns.delete(key);
    while (msg.charCodeAt(codeAt) === 32) codeAt++;
    const code = digitsAt(msg, codeAt, digitsEnd(msg, codeAt));
    const raw: Record<string, unknown> = {};
    if (code >= 0) raw.code = code;
    if (msg.endsWith(" [preauth]")) raw.preauth = true;
    return event("disconnect", ts, key, peer, undefined, raw);
  }

  /** `Connection from IP port P on IP port P[ rdomain "..."]`. */
  function connection(msg: string, ts: number, key: string): ParseResult {
    const src = peerAt(msg, 16);
    if ("ok" in src) return src;
    const on = msg.indexOf(" on ", 16);
    if (on < 0) return badLine("Connection from", msg);
    const dst = peerAt(msg, on + 4);
    if ("ok" in dst) return dst;
    if (key !== "") conns.delete(key); // a new connection: a reused pid starts afresh
    return event("connect", ts, key, src, undefined, undefined, dst);
  }

  /** A connection that ended before authentication, for the reason given. */
  function early(msg: string, fromAt: number, ts: number, key: string, reason: string): ParseResult {
    if (fromAt < 0) return badLine(reason, msg);
    const peer = peerAt(msg, fromAt);
    if ("ok" in peer) return peer;
    if (key !== "") conns.delete(key);
    return event("disconnect", ts, key, peer, undefined, { reason });
  }

  function message(msg: string, ts: number, key: string): ParseResult {
    switch (msg.charCodeAt(0)) {
      case 70: // F
        if (msg.startsWith("Failed ")) return auth(msg, true, ts, key, 0);
        break;
      case 65: // A
        if (msg.startsWith("Accepted ")) return auth(msg, false, ts, key, 0);
        break;
      case 73: // I
        if (msg.startsWith("Invalid user ")) return invalidUser(msg, 13, msg.lastIndexOf(" from "), ts, key);
        if (msg.startsWith("Illegal user ")) return invalidUser(msg, 13, msg.lastIndexOf(" from "), ts, key);
        break;
      case 85: { // U
        const na = msg.indexOf(" not allowed because ");
        if (msg.startsWith("User ") && na > 0) {
          const fromAt = msg.lastIndexOf(" from ", na);
          if (fromAt < 0) return { ok: "skip", detail: "sshd: user not allowed, no address" };
          return invalidUser(msg.slice(0, na), 5, fromAt, ts, key);
        }
        if (msg.startsWith("Unable to negotiate with ")) {
          // `IP port P: no matching ...`; older sshd wrote `IP: no matching ...`.
          const colon = msg.indexOf(": ", 25);
          return early(colon < 0 ? msg : msg.slice(0, colon), 25, ts, key, "negotiation");
        }
        break;
      }
      case 109: // m
        if (msg.startsWith("maximum authentication attempts exceeded for ")) return maxAuth(msg, ts, key);
        if (msg.startsWith("message repeated ")) return repeatedLine(msg, ts, key);
        break;
      case 68: // D
        if (msg.startsWith("Disconnected from ")) return closed(msg, 18, ts, key);
        if (msg.startsWith("Did not receive identification string from ")) {
          return early(msg, 43, ts, key, "no_ident");
        }
        break;
      case 67: // C
        if (msg.startsWith("Connection closed by ")) return closed(msg, 21, ts, key);
        if (msg.startsWith("Connection reset by ")) return closed(msg, 20, ts, key);
        if (msg.startsWith("Connection from ")) return connection(msg, ts, key);
        break;
      case 82: // R
        if (msg.startsWith("Received disconnect from ")) return received(msg, ts, key);
        break;
      case 66: // B
        if (msg.startsWith("Bad protocol version identification ")) {
          const fromAt = msg.lastIndexOf(" from ");
          return early(msg, fromAt < 0 ? -1 : fromAt + 6, ts, key, "bad_version");
        }
        break;
      case 84: // T
        if (msg.startsWith("Timeout before authentication for ")) return early(msg, 34, ts, key, "timeout");
        break;
    }
    return { ok: "skip", detail: "sshd: message without an event" };
  }

  /** rsyslog's `message repeated N times: [ text]`: only repeated `Failed` lines make an event. */
  function repeatedLine(msg: string, ts: number, key: string): ParseResult {
    const nEnd = digitsEnd(msg, 17);
    const n = digitsAt(msg, 17, nEnd);
    const open = msg.indexOf("[ ", nEnd);
    if (n < 1 || open < 0) return { ok: "skip", detail: "sshd: message repeated, unreadable" };
    const inner = msg.slice(open + 2, msg.endsWith("]") ? msg.length - 1 : msg.length);
    if (!inner.startsWith("Failed ")) {
      return { ok: "skip", detail: "sshd: message repeated without an event" };
    }
    return auth(inner, true, ts, key, n);
  }

  return {
    parse(line: string): ParseResult {
      const s = read(line.endsWith("\r") ? line.slice(0, -1) : line);
      if ("ok" in s) return s;
      if (!PROGRAMS.has(s.program)) return { ok: "skip", detail: "not an sshd line" };
      let msg = s.msg;
      if (msg.startsWith("error: ") || msg.startsWith("fatal: ")) msg = msg.slice(7);
      const key = s.pid === "" ? "" : s.host === "" ? s.pid : s.host + "/" + s.pid;
      return message(msg, s.ts, key);
    },
  };
}
