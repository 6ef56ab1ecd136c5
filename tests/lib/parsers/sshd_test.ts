import assert from "node:assert/strict";
import { NormalisedEvent, type ParseResult } from "../../../lib/schema.ts";
import { createSshdParser } from "../../../lib/parsers/sshd.ts";
import type { LineParserContext } from "../../../lib/parsers/line_context.ts";

/** Parses `log` line by line and compares each result with the same line of `expected` (JSONL). */
function checkFixture(parser: { parse(line: string): ParseResult }, log: URL, expected: URL): void {
  const lines = Deno.readTextFileSync(log).replace(/\n$/, "").split("\n");
  const wants = Deno.readTextFileSync(expected).trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, wants.length, "fixture and expectation line counts differ");
  lines.forEach((line, i) => {
    const got = parser.parse(line);
    const want = wants[i] as Record<string, unknown>;
    const where = `line ${i + 1}: ${line}\n  got ${JSON.stringify(got)}`;
    assert.equal(got.ok, want.ok, where);
    if (got.ok === true) {
      const ev = got.event as Record<string, unknown>;
      for (const [k, v] of Object.entries(want)) {
        if (k === "ok") continue;
        // null in an expectation means "absent".
        const actual = k === "ts" ? new Date(ev.ts as number).toISOString() : ev[k] ?? null;
        assert.deepEqual(actual, v, `${where}\n  field ${k}`);
      }
    } else if (got.ok === false) {
      assert.equal(got.reason, want.reason, where);
      assert.ok(got.detail.length > 0, where);
    } else if (want.detail !== undefined) {
      assert.equal(got.detail, want.detail, where);
    }
  });
}

const fixture = (name: string) => new URL(`../../fixtures/sshd/${name}`, import.meta.url);
const ctx2026: LineParserContext = { sensor: "vm1", year: 2026 };

for (const name of ["shapes", "iso", "malformed", "double_count"]) {
  Deno.test(`createSshdParser - fixture ${name}.log gives the expected result on every line`, () => {
    checkFixture(createSshdParser(ctx2026), fixture(`${name}.log`), fixture(`${name}.expected.jsonl`));
  });
}

Deno.test("createSshdParser - with ctx.year the year rolls over from Dec to Jan (fixture rollover.log)", () => {
  checkFixture(
    createSshdParser({ sensor: "vm1", year: 2025 }),
    fixture("rollover.log"),
    fixture("rollover.expected.jsonl"),
  );
});

Deno.test("createSshdParser - every event passes the NormalisedEvent schema", () => {
  const p = createSshdParser(ctx2026);
  const lines = Deno.readTextFileSync(fixture("shapes.log")).split("\n");
  let n = 0;
  for (const line of lines) {
    const r = p.parse(line);
    if (r.ok !== true) continue;
    NormalisedEvent.parse({ id: "x", ...r.event });
    assert.equal(r.event.source, "sshd");
    assert.equal(r.event.sensor, "vm1");
    n++;
  }
  assert.ok(n > 25);
});

function tsOf(r: ParseResult): string {
  assert.equal(r.ok, true, JSON.stringify(r));
  return new Date((r as { ok: true; event: { ts: number } }).event.ts).toISOString();
}

Deno.test("createSshdParser - without ctx.year, December lines read in January belong to last year", () => {
  const now = Date.UTC(2026, 0, 2, 10, 0, 0);
  const p = createSshdParser({ sensor: "vm1", now: () => now });
  const line = (d: string) => `${d} vm1 sshd[1]: Connection closed by 192.0.2.1 port 1 [preauth]`;
  assert.equal(tsOf(p.parse(line("Dec 31 23:00:00"))), "2025-12-31T23:00:00.000Z");
  assert.equal(tsOf(p.parse(line("Jan  2 10:30:00"))), "2026-01-02T10:30:00.000Z");
  // Up to a day ahead is clock skew, not last year.
  assert.equal(tsOf(p.parse(line("Jan  3 09:00:00"))), "2026-01-03T09:00:00.000Z");
  assert.equal(tsOf(p.parse(line("Jan  4 12:00:00"))), "2025-01-04T12:00:00.000Z");
});

Deno.test("createSshdParser - without ctx.year, a January line read on Dec 31 by a slow clock is next year", () => {
  const now = Date.UTC(2025, 11, 31, 23, 50, 0);
  const p = createSshdParser({ sensor: "vm1", now: () => now });
  const r = p.parse("Jan  1 00:05:00 vm1 sshd[1]: Connection closed by 192.0.2.1 port 1 [preauth]");
  assert.equal(tsOf(r), "2026-01-01T00:05:00.000Z");
});

Deno.test("createSshdParser - a Feb 29 line picks the leap year", () => {
  const now = Date.UTC(2025, 2, 1); // March 2025: Feb 29 can only be 2024
  const p = createSshdParser({ sensor: "vm1", now: () => now });
  const r = p.parse("Feb 29 12:00:00 vm1 sshd[1]: Connection closed by 192.0.2.1 port 1 [preauth]");
  assert.equal(tsOf(r), "2024-02-29T12:00:00.000Z");
});

Deno.test("createSshdParser - per-process state is bounded: an evicted Invalid user line is not merged", () => {
  const p = createSshdParser(ctx2026, { maxConnections: 2 });
  const at = "Dec 10 07:00:00 vm1 sshd";
  assert.equal(p.parse(`${at}[1]: Invalid user a from 192.0.2.1 port 1`).ok, true);
  assert.equal(p.parse(`${at}[2]: Invalid user b from 192.0.2.2 port 2`).ok, true);
  assert.equal(p.parse(`${at}[3]: Invalid user c from 192.0.2.3 port 3`).ok, true);
  // pid 1 was the least recently used of three: forgotten, so its Failed line counts.
  assert.equal(p.parse(`${at}[1]: Failed password for invalid user a from 192.0.2.1 port 1 ssh2`).ok, true);
  // pid 3 is still remembered: merged.
  assert.equal(p.parse(`${at}[3]: Failed password for invalid user c from 192.0.2.3 port 3 ssh2`).ok, "skip");
});

Deno.test("createSshdParser - 200k distinct pids keep at most maxConnections entries and never throw", () => {
  const p = createSshdParser(ctx2026, { maxConnections: 1000 });
  for (let i = 0; i < 200_000; i++) {
    const r = p.parse(
      `Dec 10 07:00:00 vm1 sshd[${i}]: Invalid user u${i} from 192.0.2.${i % 250 + 1} port 1`,
    );
    assert.equal(r.ok, true);
  }
  // The oldest pid is gone (counted again), the newest is still there (merged).
  assert.equal(
    p.parse("Dec 10 07:00:01 vm1 sshd[0]: Failed password for invalid user u0 from 192.0.2.1 port 1 ssh2").ok,
    true,
  );
  const last = 199_999;
  const ip = `192.0.2.${last % 250 + 1}`;
  assert.equal(
    p.parse(
      `Dec 10 07:00:01 vm1 sshd[${last}]: Failed password for invalid user u${last} from ${ip} port 1 ssh2`,
    ).ok,
    "skip",
  );
});

Deno.test("createSshdParser - CRLF line endings are accepted", () => {
  const p = createSshdParser(ctx2026);
  const r = p.parse("Dec 10 07:00:00 vm1 sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2\r");
  assert.equal(r.ok, true);
  assert.equal((r as { ok: true; event: { src_port?: number } }).event.src_port, 22);
});

/**
 * Independent tally of failed attempts per IP, by plain regexes: every `Failed password|publickey`
 * line (also inside rsyslog's `message repeated`) plus every `Invalid user` line, minus the
 * merged pairs: the first `Failed ... for invalid user U from IP` after an `Invalid user U from IP`
 * line with the same sshd pid.
 */
function tally(text: string): Map<string, number> {
  const failed =
    /sshd\[(\d+)\]: (message repeated \d+ times: \[ )?Failed (?:password|publickey) for (invalid user )?(.*) from (\S+) port \d+/;
  const invalid = /sshd\[(\d+)\]: Invalid user (.*) from (\S+)/;
  const pending = new Map<string, string>();
  const counts = new Map<string, number>();
  const add = (ip: string) => counts.set(ip, (counts.get(ip) ?? 0) + 1);
  for (const line of text.split("\n")) {
    let m = invalid.exec(line);
    if (m !== null) {
      add(m[3]);
      pending.set(m[1], `${m[2]} ${m[3]}`);
      continue;
    }
    m = failed.exec(line);
    if (m === null) continue;
    const [, pid, repeated, , user, ip] = m;
    if (repeated === undefined && pending.get(pid) === `${user} ${ip}`) {
      pending.delete(pid); // the merged pair: one attempt
      continue;
    }
    add(ip);
  }
  return counts;
}

const sharedDir = new URL("../../../../shared/data/sshd/", import.meta.url);
let shared: URL[] = [];
try {
  shared = [...Deno.readDirSync(sharedDir)]
    .filter((e) => e.isFile && e.name.endsWith(".log"))
    .map((e) => new URL(e.name, sharedDir))
    .sort((a, b) => a.href < b.href ? -1 : 1);
} catch {
  // absent: reported below
}
if (shared.length === 0) {
  // deno-lint-ignore no-console
  console.log("sshd_test: ../shared/data/sshd/*.log not found, the real-log tests are skipped");
}

for (const file of shared) {
  const name = file.pathname.split("/").pop()!;
  Deno.test(`createSshdParser - real log ${name}: every line has a result, failed logins per IP match the tally`, () => {
    const text = Deno.readTextFileSync(file);
    const p = createSshdParser({ sensor: "real", year: 2015 });
    const perIp = new Map<string, number>();
    const outcomes: Record<string, number> = {};
    const rejected: string[] = [];
    for (const line of text.split("\n")) {
      const r = p.parse(line); // must not throw
      const key = r.ok === true ? r.event.kind : r.ok === false ? `rejected:${r.reason}` : "skip";
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      if (r.ok === false) rejected.push(`${r.reason} ${r.detail}`);
      if (r.ok === true && r.event.kind === "login_failed") {
        perIp.set(r.event.src_ip, (perIp.get(r.event.src_ip) ?? 0) + 1);
      }
    }
    // deno-lint-ignore no-console
    console.log(`  ${name}: ${JSON.stringify(outcomes)}`);
    const sorted = (m: Map<string, number>) => [...m].sort((a, b) => a[0] < b[0] ? -1 : 1);
    assert.deepEqual(sorted(perIp), sorted(tally(text)));
    // The two published files: the only bad line is gtkcyber's cut-off last line.
    if (name === "openssh-loghub.log") assert.deepEqual(rejected, []);
    if (name === "gtkcyber-ec2-auth.log") {
      assert.deepEqual(rejected.map((r) => r.split(" ")[0]), ["truncated"]);
    }
  });
}

const makeAuthlogPy = new URL("../../../../shared/tools/make_authlog.py", import.meta.url);

/** True when python3 runs and the generator is there. */
async function canGenerate(script: URL): Promise<boolean> {
  try {
    Deno.statSync(script);
    const { success } = await new Deno.Command("python3", {
      args: ["-c", "pass"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return success;
  } catch {
    return false;
  }
}

const python = await canGenerate(makeAuthlogPy);
if (!python) {
  // deno-lint-ignore no-console
  console.log("sshd_test: python3 or make_authlog.py not found, the generated-workload test is skipped");
}

Deno.test({
  name: "createSshdParser - make_authlog.py output parses with zero rejections",
  ignore: !python,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "honeywatch_authlog_" });
    let text: string;
    try {
      const out = await new Deno.Command("python3", {
        args: [
          makeAuthlogPy.pathname,
          ...["--out", `${dir}/auth.log`, "--truth", `${dir}/truth.csv`],
          ...["--lines", "6000", "--target-ips", "600", "--benign-users", "20", "--days", "3"],
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      text = await Deno.readTextFile(`${dir}/auth.log`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    const p = createSshdParser({ sensor: "gen", year: 2026 });
    let lines = 0;
    let failed = 0;
    let success = 0;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      lines++;
      const r = p.parse(line);
      assert.notEqual(r.ok, false, `${line} -> ${JSON.stringify(r)}`);
      if (r.ok === true && r.event.kind === "login_failed") failed++;
      if (r.ok === true && r.event.kind === "login_success") success++;
    }
    assert.ok(lines >= 5000, `${lines} lines`);
    assert.ok(failed > 0 && success > 0);
  },
});

Deno.test("createSshdParser - every prefix of every fixture line has a result, never a throw", () => {
  const p = createSshdParser(ctx2026);
  for (const name of ["shapes.log", "iso.log", "malformed.log"]) {
    for (const line of Deno.readTextFileSync(fixture(name)).split("\n")) {
      for (let i = 0; i <= line.length; i++) {
        const r = p.parse(line.slice(0, i));
        assert.ok(r.ok === true || r.ok === false || r.ok === "skip");
      }
    }
  }
});
