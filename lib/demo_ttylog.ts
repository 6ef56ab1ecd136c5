/**
 * TTY logs for the demo feed: Cowrie records each interactive session's terminal, and the
 * collector ships it (`--ttylog-dir`). The demo has no Cowrie, so it writes the log Cowrie
 * would have written from the session's own events: the prompt, each command echoed as typed,
 * a plausible answer, on the events' clock. `DemoTtylogs` watches the records the demo sends,
 * and for each `cowrie.log.closed` builds that log, points the record at it (`ttylog`,
 * `shasum`, `size`) and hands the bytes to be uploaded, as the collector would.
 */
import { parseCowrieTimestamp } from "../collector/generate.ts";
import {
  encodeTtylog,
  OP_CLOSE,
  OP_OPEN,
  OP_WRITE,
  TTY_INPUT,
  TTY_OUTPUT,
  type TtyRecord,
} from "./ttylog.ts";
import { sha256Hex } from "./ttylog_store.ts";

const enc = new TextEncoder();

/** What a Debian-like honeypot answers to the commands the generator types. */
function answer(cmd: string): string {
  const c = cmd.trim();
  if (c.startsWith("uname")) {
    return "Linux svr04 3.2.0-4-amd64 #1 SMP Debian 3.2.68-1+deb7u1 x86_64 GNU/Linux";
  }
  if (c === "id") return "uid=0(root) gid=0(root) groups=0(root)";
  if (c === "whoami") return "root";
  if (c.startsWith("cat /proc/cpuinfo")) {
    return "processor\t: 0\r\nvendor_id\t: GenuineIntel\r\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680 v3 @ 2.50GHz";
  }
  if (c.startsWith("free")) {
    return "              total        used        free\r\nMem:        2052460      318204     1734256";
  }
  if (c.startsWith("ls")) return "bin  boot  dev  etc  home  lib  proc  root  sbin  tmp  usr  var";
  if (c.startsWith("wget") || c.startsWith("curl")) {
    const url = /https?:\/\/\S+/.exec(c)?.[0] ?? "";
    return url
      ? `Connecting to ${new URL(url).host}... connected.\r\nHTTP request sent, awaiting response... 200 OK`
      : "";
  }
  if (c.startsWith("cd") || c.startsWith("export") || c.startsWith("chmod") || c === "exit") return "";
  const name = c.split(/\s+/)[0];
  return name ? `-bash: ${name}: command not found` : "";
}

/** What the demo knows of an interactive session: who logged in, when, and what was typed. */
export interface DemoSession {
  user: string;
  sensor: string;
  start: number;
  lines: [ts: number, input: string][];
}

/** Builds a session's TTY log from its commands. */
export function demoTtylog(
  s: DemoSession,
  end: number,
) {
  const prompt = `${s.user}@${s.sensor}:~${s.user === "root" ? "#" : "$"} `;
  const recs: TtyRecord[] = [{ op: OP_OPEN, direction: 0, ts: s.start, data: new Uint8Array() }];
  const w = (ts: number, dir: number, text: string) =>
    recs.push({ op: OP_WRITE, direction: dir, ts, data: enc.encode(text) });
  w(s.start + 1, TTY_OUTPUT, prompt);
  for (const [ts, input] of s.lines) {
    w(ts, TTY_INPUT, `${input}\r`);
    w(ts, TTY_OUTPUT, `${input}\r\n`);
    const out = answer(input);
    w(ts + 40, TTY_OUTPUT, `${out}${out ? "\r\n" : ""}${prompt}`);
  }
  recs.push({ op: OP_CLOSE, direction: 0, ts: Math.max(end, s.start + 1), data: new Uint8Array() });
  return encodeTtylog(recs);
}

export interface DemoUpload {
  sha256: string;
  bytes: Uint8Array;
  session: string;
  ip: string;
}

/** Follows the demo's records and makes a TTY log for each interactive session. */
export class DemoTtylogs {
  readonly #sessions = new Map<string, DemoSession>();

  /**
   * Looks at the records about to be sent (in order); rewrites their `cowrie.log.closed`
   * records to name a real log, and returns those logs.
   */
  async take(records: readonly Record<string, unknown>[]): Promise<DemoUpload[]> {
    const out: DemoUpload[] = [];
    for (const r of records) {
      const id = typeof r.session === "string" ? r.session : null;
      if (id === null) continue;
      const ts = parseCowrieTimestamp(String(r.timestamp));
      switch (r.eventid) {
        case "cowrie.login.success":
          this.#sessions.set(id, {
            user: String(r.username ?? "root").slice(0, 32) || "root",
            sensor: String(r.sensor ?? "svr04").slice(0, 32),
            start: ts,
            lines: [],
          });
          // Sessions whose close was lost must not pile up.
          if (this.#sessions.size > 5000) this.#sessions.delete(this.#sessions.keys().next().value!);
          break;
        case "cowrie.command.input": {
          const s = this.#sessions.get(id);
          if (s && s.lines.length < 200) s.lines.push([ts, String(r.input ?? "").slice(0, 1000)]);
          break;
        }
        case "cowrie.log.closed": {
          const s = this.#sessions.get(id);
          this.#sessions.delete(id);
          if (!s || s.lines.length === 0) break;
          const bytes = demoTtylog(s, ts);
          const sha = await sha256Hex(bytes);
          r.ttylog = `var/lib/cowrie/tty/${sha}`;
          r.shasum = sha;
          r.size = bytes.length;
          out.push({ sha256: sha, bytes, session: id, ip: String(r.src_ip) });
          break;
        }
        case "cowrie.session.closed":
          this.#sessions.delete(id);
          break;
      }
    }
    return out;
  }
}
