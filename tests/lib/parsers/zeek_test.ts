import assert from "node:assert/strict";
import { NormalisedEvent, type ParseResult } from "../../../lib/schema.ts";
import { createZeekParser } from "../../../lib/parsers/zeek.ts";

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

const fixture = (name: string) => new URL(`../../fixtures/zeek/${name}`, import.meta.url);

for (const name of ["conn", "conn_json", "custom_header", "malformed"]) {
  Deno.test(`createZeekParser - fixture ${name}.log gives the expected result on every line`, () => {
    checkFixture(
      createZeekParser({ sensor: "zeek1" }),
      fixture(`${name}.log`),
      fixture(`${name}.expected.jsonl`),
    );
  });
}

Deno.test("createZeekParser - every event passes the NormalisedEvent schema", () => {
  let n = 0;
  for (const name of ["conn.log", "conn_json.log", "custom_header.log"]) {
    const p = createZeekParser({ sensor: "zeek1" });
    for (const line of Deno.readTextFileSync(fixture(name)).split("\n")) {
      const r = p.parse(line);
      if (r.ok !== true) continue;
      NormalisedEvent.parse({ id: "x", ...r.event });
      assert.equal(r.event.source, "zeek");
      assert.equal(r.event.kind, "conn");
      n++;
    }
  }
  assert.equal(n, 10);
});

Deno.test("createZeekParser - TSV and JSON forms of one record give the same event", () => {
  const fromTsv = createZeekParser({ sensor: "zeek1" });
  const tsv = Deno.readTextFileSync(fixture("conn.log")).split("\n").map((l) => fromTsv.parse(l));
  const json = createZeekParser({ sensor: "zeek1" }).parse(
    Deno.readTextFileSync(fixture("conn_json.log")).split("\n")[0],
  );
  assert.deepEqual(json, tsv.find((r) => r.ok === true));
});

Deno.test("createZeekParser - a CRLF header and record are read", () => {
  const p = createZeekParser({ sensor: "zeek1" });
  assert.equal(p.parse("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\r").ok, "skip");
  const r = p.parse("1757894400\tC1\t203.0.113.9\t1\t198.51.100.1\t22\r");
  assert.equal(r.ok, true, JSON.stringify(r));
});

Deno.test("createZeekParser - every prefix of every fixture line has a result, never a throw", () => {
  for (const name of ["conn.log", "conn_json.log", "custom_header.log", "malformed.log"]) {
    const p = createZeekParser({ sensor: "zeek1" });
    for (const line of Deno.readTextFileSync(fixture(name)).split("\n")) {
      for (let i = 0; i <= line.length; i++) {
        const r = p.parse(line.slice(0, i));
        assert.ok(r.ok === true || r.ok === false || r.ok === "skip");
      }
    }
  }
});

Deno.test("createZeekParser - an empty #separator is ignored", () => {
  const p = createZeekParser({ sensor: "zeek1" });
  assert.equal(p.parse("#separator ").ok, "skip");
  const r = p.parse(Deno.readTextFileSync(fixture("conn.log")).split("\n")[8]);
  assert.equal(r.ok, true, JSON.stringify(r));
});
