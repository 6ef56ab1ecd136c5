import assert from "node:assert/strict";
import type { NormalisedEvent } from "../../lib/schema.ts";
import { replayLines, replaySessions } from "../../lib/session_replay.ts";

const T0 = Date.parse("2026-11-25T10:00:00Z");
const ev = (i: number, kind: NormalisedEvent["kind"], f: Partial<NormalisedEvent> = {}): NormalisedEvent => ({
  id: `r.${i}`,
  ts: T0 + i * 1500,
  sensor: "hp1",
  source: "cowrie",
  kind,
  src_ip: "192.0.2.5",
  session: "abc123def456",
  ...f,
});

Deno.test("replayLines - a session becomes prompt, input and answer lines with offsets", () => {
  const lines = replayLines([
    ev(3, "command", { command: "uname -a" }),
    ev(0, "connect", { src_port: 4000 }),
    ev(1, "login_failed", { username: "root", password: "<b>x</b>" }),
    ev(2, "login_success", { username: "pi", password: "raspberry" }),
    ev(4, "command_failed", { command: "lockr" }),
    ev(5, "closed"),
  ]);
  assert.deepEqual(lines.map((l) => [l.at, l.style, (l.prompt ?? "") + l.text]), [
    [0, "meta", "connection from 192.0.2.5:4000"],
    [1500, "in", "login as: root"],
    [1500, "in", "password: <b>x</b>"],
    [1500, "out", "Permission denied, please try again."],
    [3000, "in", "login as: pi"],
    [3000, "in", "password: raspberry"],
    [3000, "out", "Last login: (accepted)"],
    [4500, "in", "pi@hp1:~$ uname -a"],
    [6000, "out", "-bash: lockr: command not found"],
    [7500, "meta", "connection closed"],
  ]);
});

Deno.test("replaySessions - keeps sessions with logins or commands, newest first", () => {
  const scan = [ev(0, "connect", { session: "s1" }), ev(1, "closed", { session: "s1" })];
  const a = [ev(2, "login_failed", { session: "s2", username: "a", password: "b" })];
  const b = [ev(5, "command", { session: "s3", command: "id" })];
  const out = replaySessions([...scan, ...a, ...b]);
  assert.deepEqual(out.map((s) => s.id), ["s3", "s2"]);
  assert.equal(out[0].start, new Date(T0 + 5 * 1500).toISOString());
});
