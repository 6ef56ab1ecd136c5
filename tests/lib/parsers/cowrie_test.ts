import assert from "node:assert/strict";
import { REJECT_REASONS } from "../../../lib/schema.ts";
import type { ParsedEvent, ParseResult } from "../../../lib/schema.ts";
import {
  cowrieKind,
  cowrieRecordSchema,
  MAX_LINE_BYTES,
  MAX_TEXT,
  parseCowrieLine,
  parseCowrieRecord,
} from "../../../lib/parsers/cowrie.ts";

const FIXTURES = new URL("../../fixtures/cowrie/", import.meta.url);
const SHARED = new URL("../../../../shared/data/cowrie/", import.meta.url);

/** Lines of a file; a final newline ends the last line, it does not start an empty one. */
function linesOf(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function fixture(name: string): ParseResult[] {
  return linesOf(Deno.readTextFileSync(new URL(name, FIXTURES))).map((l) => parseCowrieLine(l, "vm1"));
}

function accepted(results: ParseResult[]): ParsedEvent[] {
  return results.map((r, i) => {
    assert.ok(r.ok === true, `line ${i + 1}: ${JSON.stringify(r)}`);
    return r.event;
  });
}

function rejected(r: ParseResult): { reason: string; detail: string } {
  assert.ok(r.ok === false, JSON.stringify(r));
  return r;
}

Deno.test("parseCowrieLine - reads a 1.x log with spaced separators and Twisted keys", () => {
  const [connect, version, login, forward, command, success, closed, logOpen, logClosed] = accepted(
    fixture("v1_spaces.jsonl"),
  );
  assert.deepEqual(connect, {
    ts: Date.UTC(2017, 10, 15, 0, 0, 6, 849),
    sensor: "vm1",
    source: "cowrie",
    kind: "connect",
    eventid: "cowrie.session.connect",
    src_ip: "203.0.113.9",
    session: "aaae1eaf50d0",
    src_port: 59982,
    dst_ip: "10.3.66.85",
    dst_port: 2222,
    proto: "ssh", // from `system`: 1.x has no `protocol`
  });
  assert.equal(version.kind, "client_version");
  assert.equal(version.client, "SSH-2.0-libssh2_1.4.3");
  assert.equal(version.hassh, undefined);
  assert.equal(login.kind, "login_failed");
  assert.equal(login.username, "admin");
  assert.equal(login.password, "admin123");
  assert.equal(command.command, 'uname -a; echo "x\\y"');
  assert.equal(success.kind, "other");
  assert.equal(success.eventid, "cowrie.command.success");
  assert.equal(success.raw?.input, "uname -a");
  assert.equal(closed.duration_ms, 3937);
  assert.equal(logOpen.ts, Date.UTC(2017, 0, 1));
  assert.equal(logOpen.proto, "telnet");
  assert.equal(logClosed.duration_ms, 33730);
  assert.equal(logClosed.bytes, 0);
  // Forward: dst_ip is a host name, src_port the claimed origin (not the connection's port).
  assert.equal(forward.kind, "tcpip_request");
  assert.equal(forward.dst_ip, "ya.ru");
  assert.equal(forward.dst_port, 80);
  assert.equal(forward.src_port, undefined);
  assert.deepEqual(forward.raw, { orig_port: 27873 });
});

Deno.test("parseCowrieLine - reads 2.x repr versions, list messages and unformatted lines", () => {
  const [connect, version, kex, params, download, failed, closed, dq, escaped] = accepted(
    fixture("v2_repr.jsonl"),
  );
  assert.equal(connect.proto, "ssh");
  assert.equal(version.client, "SSH-2.0-Go");
  assert.equal(dq.client, `SSH-2.0-it's"me"`);
  assert.equal(escaped.client, "SSH-2.0-'x'\\x00\\xff"); // other escapes stay as text
  assert.equal(kex.kind, "client_kex");
  assert.equal(kex.hassh, "e77c2db7432e8cfbc42a96909a84fc8e");
  assert.equal(params.kind, "session_params");
  assert.deepEqual(params.raw, { arch: "linux-x64-lsb" });
  assert.equal(download.kind, "download");
  assert.equal(download.url, "http://198.51.100.5/sh");
  assert.equal(download.sha256, "0f2e8b4c0d5c3f3a9d2b9f1e6a7c8b9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7");
  assert.equal(failed.kind, "download_failed");
  assert.equal(failed.url, "http://198.51.100.5/bins.sh");
  assert.equal(closed.duration_ms, 12040);
  assert.equal(dq.src_ip, "198.51.100.7"); // ::ffff:198.51.100.7
  assert.equal(escaped.src_ip, "198.51.100.8"); // ::ffff:c633:6408
});

Deno.test("parseCowrieLine - reads 2.8+/3.x offsets, string and millisecond durations, key logins", () => {
  const [connect, closedStr, closedMs, keyLogin, ja4, unknown, version, logClosed, forward, upload] =
    accepted(
      fixture("v3_modern.jsonl"),
    );
  assert.equal(connect.ts, Date.UTC(2026, 10, 25, 8, 40, 3, 47)); // +0100
  assert.equal(closedMs.ts, Date.UTC(2026, 10, 25, 8, 40, 13, 147)); // +01:00
  assert.equal(closedStr.duration_ms, 10100);
  assert.equal(closedMs.duration_ms, 10100);
  assert.equal(closedMs.proto, "telnet");
  assert.equal(keyLogin.kind, "login_failed");
  assert.equal(keyLogin.username, "root");
  assert.equal(keyLogin.password, undefined);
  assert.deepEqual(keyLogin.raw, {
    fingerprint: "9e:1a:5b:07:aa:11:22:33:44:55:66:77:88:99:00:ff",
    type: "ssh-ed25519",
  });
  assert.equal(ja4.kind, "tcpip_data");
  assert.equal(ja4.dst_ip, "example.org");
  assert.deepEqual(ja4.raw, { ja4: "t13d1516h2_8daaf6152771_02713d6af862" });
  assert.equal(version.src_ip, "2001:db8::1");
  assert.equal(version.client, "SSH-2.0-OpenSSH_9.6p1 \\xff\\\\");
  assert.equal(logClosed.duration_ms, 250);
  assert.equal(logClosed.bytes, 44);
  assert.equal(logClosed.sha256, "a6ee2c8711434300fa8b915abb90fc277982f7cc01a88f7810cfa1ad8ef14853");
  // 3.0.6+ forward: orig_* is the claimed origin, src_port the real connection port.
  assert.equal(forward.src_port, 40022);
  assert.equal(forward.dst_ip, "192.0.2.80");
  assert.deepEqual(forward.raw, { orig_ip: "127.0.0.1", orig_port: 1234 });
  assert.equal(upload.kind, "upload");
  assert.deepEqual(upload.raw, { filename: "x.sh" });
  // An eventid Cowrie added later is kept, not rejected.
  assert.equal(unknown.kind, "other");
  assert.equal(unknown.eventid, "cowrie.telnet.brand_new_event");
  assert.equal(unknown.session, "96c551fefaa4");
  assert.deepEqual(unknown.raw?.gadget, { depth: [1, 2, 3], name: "x" });
  assert.equal(unknown.raw?.message, "something Cowrie added later");
});

Deno.test("parseCowrieLine - rejects malformed lines with a reason and a readable detail", () => {
  const results = fixture("malformed.jsonl");
  const got = results.map((r) => rejected(r));
  assert.deepEqual(got.map((r) => r.reason), [
    "empty",
    "not_json",
    "not_object",
    "invalid_ip",
    "invalid_timestamp",
    "invalid_timestamp",
    "wrong_type",
    "wrong_type",
    "wrong_type",
    "invalid_port",
    "missing_field",
    "missing_field",
    "invalid_ip",
    "wrong_type",
    "wrong_type",
    "invalid_timestamp",
    "wrong_type",
    "truncated", // last line, cut off, no newline
  ]);
  assert.equal(got[6].detail, 'field "src_port" is "abc", expected an integer');
  assert.equal(got[7].detail, 'field "username" is 42, expected a string');
  assert.equal(got[9].detail, 'field "src_port" is 70000, expected a port in 0..65535');
  assert.equal(got[10].detail, 'missing field "src_ip"');
  assert.equal(got[11].detail, 'missing field "eventid"');
  assert.equal(got[12].detail, 'field "src_ip" is "attacker.example", expected an IPv4 or IPv6 address');
  assert.match(got[4].detail, /^field "timestamp" is "2017-02-30T00:00:00.000000Z"/);
  for (const r of got) assert.ok(REJECT_REASONS.includes(r.reason as never), r.reason);
});

Deno.test("parseCowrieLine - rejects a 10 MB line as too_large before parsing it", () => {
  const huge = `{"eventid":"cowrie.command.input","input":"${"A".repeat(10 * 1024 * 1024)}"}`;
  assert.equal(rejected(parseCowrieLine(huge, "vm1")).reason, "too_large");
  // Measured in UTF-8 bytes: 33,000 two-byte characters are 66,000 bytes.
  const wide = `{"eventid":"cowrie.command.input","input":"${"é".repeat(33_000)}"}`;
  assert.ok(wide.length < MAX_LINE_BYTES);
  assert.equal(rejected(parseCowrieLine(wide, "vm1")).reason, "too_large");
});

Deno.test("parseCowrieLine - caps attacker strings at MAX_TEXT and keeps them verbatim", () => {
  const long = "<script>'\"\\".repeat(1000);
  const rec = {
    eventid: "cowrie.command.input",
    timestamp: "2026-01-01T00:00:00Z",
    src_ip: "203.0.113.9",
    input: long,
  };
  const line = JSON.stringify(rec);
  assert.ok(line.length < MAX_LINE_BYTES);
  const r = parseCowrieLine(line, "vm1");
  assert.ok(r.ok === true);
  assert.equal(r.event.command, long.slice(0, MAX_TEXT));
  // A surrogate pair is not split at the cap.
  const emoji = "x".repeat(MAX_TEXT - 1) + "😀";
  const e = parseCowrieRecord({ ...rec, input: emoji }, "vm1");
  assert.ok(e.ok === true);
  assert.equal(e.event.command, "x".repeat(MAX_TEXT - 1));
});

Deno.test("parseCowrieLine - tolerates CRLF, surrounding blanks and whitespace-only lines", () => {
  const line =
    '{"eventid":"cowrie.session.connect","timestamp":"2026-01-01T00:00:00Z","src_ip":"203.0.113.9"}';
  assert.equal(parseCowrieLine(line + "\r", "vm1").ok, true);
  assert.equal(parseCowrieLine("  " + line + " ", "vm1").ok, true);
  assert.equal(rejected(parseCowrieLine(" \t\r", "vm1")).reason, "empty");
  assert.equal(rejected(parseCowrieLine("{", "vm1")).reason, "truncated");
  assert.equal(rejected(parseCowrieLine("null", "vm1")).reason, "not_object");
  assert.equal(rejected(parseCowrieLine('"text"', "vm1")).reason, "not_object");
});

Deno.test("parseCowrieRecord - treats null like an absent optional field", () => {
  const r = parseCowrieRecord({
    eventid: "cowrie.session.file_download",
    timestamp: "2026-01-01T00:00:00Z",
    src_ip: "203.0.113.9",
    url: null,
    shasum: "ab",
  }, "vm1");
  assert.ok(r.ok === true);
  assert.equal(r.event.url, undefined);
  assert.equal(r.event.sha256, "ab");
  assert.equal(
    rejected(parseCowrieRecord({ eventid: "x", timestamp: null, src_ip: "1.2.3.4" }, "vm1")).reason,
    "missing_field",
  );
});

Deno.test("parseCowrieRecord - bounds raw of unknown events and keeps __proto__ as data", () => {
  const keys: Record<string, unknown> = {};
  for (let i = 0; i < 1000; i++) keys[`k${i}`] = "v".repeat(5000);
  const rec = JSON.parse(
    JSON.stringify({
      eventid: "cowrie.future.thing",
      timestamp: "2026-01-01T00:00:00Z",
      src_ip: "203.0.113.9",
      deep: { a: { b: { c: { d: 1 } } } },
      ...keys,
    }).replace('"deep"', '"__proto__":{"polluted":true},"deep"'),
  );
  const r = parseCowrieRecord(rec, "vm1");
  assert.ok(r.ok === true);
  const raw = r.event.raw!;
  assert.ok(JSON.stringify(raw).length < 12_000, `raw is ${JSON.stringify(raw).length} chars`);
  assert.equal(raw.eventid, "cowrie.future.thing");
  assert.equal(Object.getPrototypeOf(raw), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(raw, "__proto__")?.value, { polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(raw.deep, { a: { b: {} } });
});

Deno.test("parseCowrieRecord - rejects non-objects and wrong eventid types", () => {
  assert.equal(rejected(parseCowrieRecord([1, 2], "vm1")).reason, "not_object");
  assert.equal(rejected(parseCowrieRecord("x", "vm1")).reason, "not_object");
  assert.equal(rejected(parseCowrieRecord(null, "vm1")).reason, "not_object");
  const r = rejected(
    parseCowrieRecord({ eventid: 5, timestamp: "2026-01-01T00:00:00Z", src_ip: "1.2.3.4" }, "vm1"),
  );
  assert.deepEqual(r, { ok: false, reason: "wrong_type", detail: 'field "eventid" is 5, expected a string' });
});

Deno.test("cowrieKind - maps every catalogued eventid", () => {
  const kinds: Record<string, string> = {
    "cowrie.session.connect": "connect",
    "cowrie.session.closed": "closed",
    "cowrie.client.version": "client_version",
    "cowrie.client.kex": "client_kex",
    "cowrie.client.fingerprint": "client_fingerprint",
    "cowrie.client.size": "client_size",
    "cowrie.client.var": "client_var",
    "cowrie.login.failed": "login_failed",
    "cowrie.login.success": "login_success",
    "cowrie.command.input": "command",
    "cowrie.command.failed": "command_failed",
    "cowrie.session.file_download": "download",
    "cowrie.session.file_download.failed": "download_failed",
    "cowrie.session.file_upload": "upload",
    "cowrie.direct-tcpip.request": "tcpip_request",
    "cowrie.direct-tcpip.redirect": "tcpip_request",
    "cowrie.direct-tcpip.tunnel": "tcpip_request",
    "cowrie.direct-tcpip.data": "tcpip_data",
    "cowrie.tunnelproxy-tcpip.data": "tcpip_data",
    "cowrie.direct-tcpip.ja4": "tcpip_data",
    "cowrie.direct-tcpip.ja4h": "tcpip_data",
    "cowrie.session.params": "session_params",
    "cowrie.session.input": "session_input",
    "cowrie.log.open": "log_open",
    "cowrie.log.closed": "log_closed",
    "cowrie.command.success": "other",
    "cowrie.command.chpasswd": "other",
    "cowrie.client.malformed_packet": "other",
    "cowrie.telnet.option": "other",
    "cowrie.proxy.ssh": "other",
    "cowrie.virustotal.scanfile": "other",
  };
  for (const [id, kind] of Object.entries(kinds)) assert.equal(cowrieKind(id), kind, id);
});

/** Every fixture and shared-data line that is JSON, as records. */
function records(urls: URL[]): unknown[] {
  const out: unknown[] = [];
  for (const url of urls) {
    for (const line of linesOf(Deno.readTextFileSync(url))) {
      try {
        out.push(JSON.parse(line));
      } catch {
        // not JSON: nothing for a schema to say
      }
    }
  }
  return out;
}

function sharedFiles(): URL[] {
  try {
    return [...Deno.readDirSync(SHARED)].filter((e) => e.name.endsWith(".json")).map((e) =>
      new URL(e.name, SHARED)
    )
      .sort((a, b) => a.href.localeCompare(b.href));
  } catch {
    return [];
  }
}

const shared = sharedFiles();
if (shared.length === 0) {
  // deno-lint-ignore no-console
  console.log(`cowrie_test: ${SHARED.pathname} is absent; the shared-data tests are skipped`);
}

Deno.test("cowrieRecordSchema - agrees with the hand-written checks on every record", () => {
  const fixtures = ["v1_spaces.jsonl", "v2_repr.jsonl", "v3_modern.jsonl", "malformed.jsonl"].map((f) =>
    new URL(f, FIXTURES)
  );
  const schemas = new Map<string, ReturnType<typeof cowrieRecordSchema>>();
  let n = 0;
  for (const rec of records([...fixtures, ...shared])) {
    if (typeof rec !== "object" || rec === null || Array.isArray(rec)) continue;
    const eventid = (rec as { eventid?: unknown }).eventid;
    const id = typeof eventid === "string" ? eventid : "";
    const schema = schemas.get(id) ?? schemas.set(id, cowrieRecordSchema(id)).get(id)!;
    assert.equal(
      schema.safeParse(rec).success,
      parseCowrieRecord(rec, "vm1").ok === true,
      JSON.stringify(rec),
    );
    n++;
  }
  assert.ok(n > 20);
});

Deno.test({
  name: "parseCowrieLine - accepts every well-formed line of the shared real logs, counted per eventid",
  ignore: shared.length === 0,
  fn() {
    for (const url of shared) {
      const name = url.pathname.split("/").at(-1);
      const lines = linesOf(Deno.readTextFileSync(url));
      // Independent tally: JSON.parse, then the three required fields as strings.
      const expected = new Map<string, number>();
      const wellFormed: boolean[] = lines.map((line) => {
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line);
        } catch {
          return false;
        }
        const ok = typeof rec === "object" && rec !== null && typeof rec.eventid === "string" &&
          typeof rec.timestamp === "string" && typeof rec.src_ip === "string";
        if (ok) expected.set(rec.eventid as string, (expected.get(rec.eventid as string) ?? 0) + 1);
        return ok;
      });
      const counted = new Map<string, number>();
      lines.forEach((line, i) => {
        const r = parseCowrieLine(line, "vm1");
        if (wellFormed[i]) {
          assert.ok(r.ok === true, `${name} line ${i + 1}: ${JSON.stringify(r)}`);
          const id = r.event.eventid!;
          counted.set(id, (counted.get(id) ?? 0) + 1);
        } else {
          assert.ok(r.ok === false && REJECT_REASONS.includes(r.reason), `${name} line ${i + 1}`);
        }
      });
      assert.deepEqual(counted, expected, name);
    }
  },
});
