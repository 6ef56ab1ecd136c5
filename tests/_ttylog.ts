/**
 * Test fixtures for TTY logs: a Cowrie session's events and the TTY log Cowrie would have
 * written for it (prompt, echoed commands, their output), built from a list of commands.
 */
import {
  encodeTtylog,
  OP_CLOSE,
  OP_OPEN,
  OP_WRITE,
  TTY_INPUT,
  TTY_OUTPUT,
  type TtyRecord,
} from "../lib/ttylog.ts";
import { sha256Hex } from "../lib/ttylog_store.ts";
import { cowrie } from "./_helpers.ts";

const enc = new TextEncoder();

export interface TtySession {
  events: Record<string, unknown>[];
  bytes: Uint8Array;
  sha256: string;
}

/**
 * A session from `ip` starting at `start`: connect, a successful login, `commands` typed one
 * second apart (each answered by `outputs[i]`), the TTY log closed, the session closed.
 */
export async function ttySession(
  ip: string,
  session: string,
  start: number,
  commands: readonly string[],
  outputs: readonly string[],
): Promise<TtySession> {
  const prompt = "root@svr04:~# ";
  const recs: TtyRecord[] = [{ op: OP_OPEN, direction: 0, ts: start + 500, data: new Uint8Array() }];
  const w = (ms: number, dir: number, s: string) =>
    recs.push({ op: OP_WRITE, direction: dir, ts: start + ms, data: enc.encode(s) });
  w(600, TTY_OUTPUT, prompt);
  commands.forEach((cmd, i) => {
    const t = 1000 + i * 1000;
    w(t, TTY_INPUT, `${cmd}\r`);
    w(t, TTY_OUTPUT, `${cmd}\r\n`);
    w(t + 200, TTY_OUTPUT, `${outputs[i] ?? ""}${outputs[i] ? "\r\n" : ""}${prompt}`);
  });
  const end = 1000 + commands.length * 1000;
  recs.push({ op: OP_CLOSE, direction: 0, ts: start + end, data: new Uint8Array() });
  const bytes = encodeTtylog(recs);
  const sha256 = await sha256Hex(bytes);
  const f = { session };
  const events = [
    cowrie("cowrie.session.connect", ip, start, { ...f, src_port: 40000, dst_port: 22 }),
    cowrie("cowrie.login.success", ip, start + 400, { ...f, username: "root", password: "admin" }),
    ...commands.map((input, i) =>
      cowrie("cowrie.command.input", ip, start + 1000 + i * 1000, { ...f, input })
    ),
    cowrie("cowrie.log.closed", ip, start + end, {
      ...f,
      ttylog: `var/lib/cowrie/tty/${sha256}`,
      size: bytes.length,
      shasum: sha256,
      duplicate: false,
      duration_ms: end - 500,
    }),
    cowrie("cowrie.session.closed", ip, start + end + 10, { ...f, duration_ms: end }),
  ];
  return { events, bytes, sha256 };
}
