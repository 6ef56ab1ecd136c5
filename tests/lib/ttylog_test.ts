import assert from "node:assert/strict";
import {
  encodeTtylog,
  OP_CLOSE,
  OP_OPEN,
  OP_WRITE,
  parseTtylog,
  TTY_INPUT,
  TTY_OUTPUT,
  ttylogLines,
  ttylogSummary,
  type TtyRecord,
} from "../../lib/ttylog.ts";

const enc = new TextEncoder();
const T0 = Date.UTC(2026, 11, 5, 10, 0, 0);

function out(ms: number, s: string): TtyRecord {
  return { op: OP_WRITE, direction: TTY_OUTPUT, ts: T0 + ms, data: enc.encode(s) };
}
function inp(ms: number, s: string): TtyRecord {
  return { op: OP_WRITE, direction: TTY_INPUT, ts: T0 + ms, data: enc.encode(s) };
}
const open = (ms = 0): TtyRecord => ({ op: OP_OPEN, direction: 0, ts: T0 + ms, data: new Uint8Array() });
const close = (ms: number): TtyRecord => ({
  op: OP_CLOSE,
  direction: 0,
  ts: T0 + ms,
  data: new Uint8Array(),
});

/** A header as Cowrie packs it: struct.pack('<iLiiLL', op, tty, length, direction, sec, usec). */
function header(op: number, length: number, direction: number, sec: number, usec: number): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setInt32(0, op, true);
  v.setUint32(4, 0, true);
  v.setInt32(8, length, true);
  v.setInt32(12, direction, true);
  v.setUint32(16, sec, true);
  v.setUint32(20, usec, true);
  return b;
}

Deno.test("ttylog - reads Cowrie's '<iLiiLL' records byte for byte", () => {
  const bytes = new Uint8Array([
    ...header(1, 0, 0, 1_764_928_800, 250_000),
    ...header(3, 3, 2, 1_764_928_801, 500),
    ...enc.encode("ls\n"),
    ...header(2, 0, 0, 1_764_928_802, 0),
  ]);
  const r = parseTtylog(bytes);
  assert.ok(r.ok);
  assert.equal(r.records.length, 3);
  assert.deepEqual(r.records.map((x) => x.op), [1, 3, 2]);
  assert.equal(r.records[0].ts, 1_764_928_800_250);
  assert.equal(r.records[1].ts, 1_764_928_801_000.5);
  assert.equal(r.records[1].direction, TTY_OUTPUT);
  assert.equal(new TextDecoder().decode(r.records[1].data), "ls\n");
  // encode is parse's inverse
  assert.deepEqual(encodeTtylog(r.records), bytes);
});

Deno.test("ttylog - every malformed file is refused with its reason and byte offset", () => {
  const good = encodeTtylog([open(), out(10, "hi\n"), close(20)]);
  const cases: [Uint8Array, RegExp, number][] = [
    [new Uint8Array(), /empty/, 0],
    [good.subarray(0, good.length - 5), /truncated header: 19 of 24/, 51],
    [good.subarray(0, 24 + 24 + 1), /truncated data: 1 of 3/, 24],
    [new Uint8Array([...header(9, 0, 0, 1, 0)]), /unknown op 9/, 0],
    [new Uint8Array([...header(3, -4, 2, 1, 0)]), /negative length/, 0],
    [new Uint8Array([...header(3, 0, 7, 1, 0)]), /unknown direction 7/, 0],
    [new Uint8Array([...header(1, 0, 0, 1, 1_000_000)]), /microseconds/, 0],
    [enc.encode('{"eventid":"cowrie.session.connect"}\n'), /unknown op|truncated/, 0],
  ];
  for (const [bytes, reason, at] of cases) {
    const r = parseTtylog(bytes);
    assert.equal(r.ok, false, String(reason));
    if (!r.ok) {
      assert.match(r.reason, reason);
      assert.equal(r.at, at, String(reason));
    }
  }
});

Deno.test("ttylog - output becomes terminal lines with the time each line completed", () => {
  const records = [
    open(),
    out(5, "Welcome to Ubuntu\r\n"),
    out(100, "root@svr04:~# "),
    inp(900, "l"),
    out(900, "l"),
    inp(1000, "s"),
    out(1000, "s"),
    inp(1100, "\r"),
    out(1100, "\r\n"),
    out(1150, "bin  etc  tmp\r\nroot@svr04:~# "),
    out(3000, "exit\r\n"),
    close(3100),
  ];
  const lines = ttylogLines(records);
  assert.deepEqual(lines, [
    { at: 5, style: "out", text: "Welcome to Ubuntu" },
    { at: 1100, style: "out", text: "root@svr04:~# ls" },
    { at: 1150, style: "out", text: "bin  etc  tmp" },
    { at: 3000, style: "out", text: "root@svr04:~# exit" },
  ]);
  assert.deepEqual(ttylogSummary(records), { start: T0, durationMs: 3100, inputBytes: 3, outputBytes: 72 });
});

Deno.test("ttylog - escape sequences, carriage returns and backspaces, split across records", () => {
  const records = [
    open(),
    out(1, "\x1b[01;32mroot@h\x1b[0"), // a CSI cut in the middle
    out(2, "0m:~# "),
    out(3, "wgte\b\b\bget x\r\n"),
    out(4, "\x1b]0;title\x07plain\x1b]2;t2\x1b\\ end\r\n"),
    out(5, "progress 10%\rprogress 99%\r\n"),
    out(6, "tab\there\r\n"),
    out(7, "\u00e9t\u00e9 "),
    // A euro sign cut between two records: UTF-8 is decoded per stream, not per record.
    { op: OP_WRITE, direction: TTY_OUTPUT, ts: T0 + 8, data: new Uint8Array([0xe2, 0x82]) },
    { op: OP_WRITE, direction: TTY_OUTPUT, ts: T0 + 8, data: new Uint8Array([0xac, 0x0a]) },
    out(9, "no newline at the end"),
  ];
  const text = ttylogLines(records).map((l) => l.text);
  assert.deepEqual(text, [
    "root@h:~# wget x",
    "plain end",
    "progress 99%",
    "tab     here",
    "été €",
    "no newline at the end",
  ]);
});

Deno.test("ttylog - markup in the output stays text; lines and their length are bounded", () => {
  const payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
  const lines = ttylogLines([open(), out(1, `${payload}\n`)]);
  assert.equal(lines[0].text, payload);
  const many = [open(), out(1, "x\n".repeat(20)), out(2, "y".repeat(5000) + "\n")];
  assert.equal(ttylogLines(many, 7).length, 7);
  assert.equal(ttylogLines(many).at(-1)!.text.length, 2000);
});

Deno.test("ttylog - a log with no output (exec without a terminal) shows its input", () => {
  const lines = ttylogLines([open(), inp(10, "uname -a; id\n"), close(20)]);
  assert.deepEqual(lines, [{ at: 10, style: "in", text: "uname -a; id" }]);
});
