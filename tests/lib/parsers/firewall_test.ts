import assert from "node:assert/strict";
import { NormalisedEvent, type ParseResult } from "../../../lib/schema.ts";
import { createFirewallParser } from "../../../lib/parsers/firewall.ts";

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

const fixture = (name: string) => new URL(`../../fixtures/firewall/${name}`, import.meta.url);

for (const name of ["shapes", "malformed"]) {
  Deno.test(`createFirewallParser - fixture ${name}.log gives the expected result on every line`, () => {
    checkFixture(
      createFirewallParser({ sensor: "fw01", year: 2026 }),
      fixture(`${name}.log`),
      fixture(`${name}.expected.jsonl`),
    );
  });
}

Deno.test("createFirewallParser - every event passes the NormalisedEvent schema", () => {
  const p = createFirewallParser({ sensor: "fw01", year: 2026 });
  let n = 0;
  for (const line of Deno.readTextFileSync(fixture("shapes.log")).split("\n")) {
    const r = p.parse(line);
    if (r.ok !== true) continue;
    NormalisedEvent.parse({ id: "x", ...r.event });
    assert.equal(r.event.source, "firewall");
    n++;
  }
  assert.equal(n, 8);
});

Deno.test("createFirewallParser - raw keeps only the action, the TCP flags and the ICMP type", () => {
  const p = createFirewallParser({ sensor: "fw01", year: 2026 });
  const r = p.parse(
    "Sep 15 00:00:01 fw01 kernel: [1.0] [UFW BLOCK] IN=eth0 OUT= MAC=aa SRC=203.0.113.9 DST=198.51.100.17 " +
      "LEN=44 TOS=0x00 PREC=0x00 TTL=241 ID=1 DF PROTO=TCP SPT=1 DPT=22 WINDOW=1024 RES=0x00 CWR ECE SYN URGP=0",
  );
  assert.equal(r.ok, true);
  assert.deepEqual((r as { ok: true; event: { raw?: unknown } }).event.raw, {
    action: "UFW BLOCK",
    flags: "CWR ECE SYN",
  });
});

const makeFwlogPy = new URL("../../../../shared/tools/make_fwlog.py", import.meta.url);

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

const python = await canGenerate(makeFwlogPy);
if (!python) {
  // deno-lint-ignore no-console
  console.log("firewall_test: python3 or make_fwlog.py not found, the generated-workload test is skipped");
}

Deno.test({
  name: "createFirewallParser - make_fwlog.py output parses with zero rejections",
  ignore: !python,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "honeywatch_fwlog_" });
    let text: string;
    try {
      const out = await new Deno.Command("python3", {
        args: [
          makeFwlogPy.pathname,
          ...["--out", `${dir}/fw.log`, "--truth", `${dir}/truth.csv`, "--hours", "3"],
          ...["--fast", "2", "--medium", "1", "--slow", "1", "--horizontal", "2", "--distributed", "8"],
          ...["--repeat", "1", "--background", "300"],
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      text = await Deno.readTextFile(`${dir}/fw.log`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    const p = createFirewallParser({ sensor: "gen", year: 2026 });
    const protos = new Set<string>();
    let lines = 0;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      lines++;
      const r = p.parse(line);
      assert.equal(r.ok, true, `${line} -> ${JSON.stringify(r)}`);
      if (r.ok !== true) continue;
      assert.ok(r.event.dst_port !== undefined && r.event.src_port !== undefined, line);
      assert.equal(r.event.raw?.action, "UFW BLOCK");
      protos.add(r.event.proto!);
    }
    assert.ok(lines > 500, `${lines} lines`);
    assert.deepEqual([...protos].sort(), ["tcp", "udp"]);
  },
});

Deno.test("createFirewallParser - every prefix of every fixture line has a result, never a throw", () => {
  const p = createFirewallParser({ sensor: "fw01", year: 2026 });
  for (const name of ["shapes.log", "malformed.log"]) {
    for (const line of Deno.readTextFileSync(fixture(name)).split("\n")) {
      for (let i = 0; i <= line.length; i++) {
        const r = p.parse(line.slice(0, i));
        assert.ok(r.ok === true || r.ok === false || r.ok === "skip");
      }
    }
  }
});
