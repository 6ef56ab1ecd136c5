import assert from "node:assert/strict";
import { FakeClock } from "../../../lib/clock.ts";
import { loadConfig } from "../../../lib/config.ts";
import { createParser } from "../../../lib/parsers/mod.ts";
import { QualityTracker } from "../../../lib/quality/tracker.ts";
import { startRuntime } from "../../../lib/runtime.ts";
import type { NormalisedEvent } from "../../../lib/schema.ts";
import { createApp } from "../../../routes/mod.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const FIXTURE = new URL("../../fixtures/quality/mixed_releases.jsonl", import.meta.url);
const SHARED = new URL("../../../../shared/data/cowrie/", import.meta.url);

function lines(text: string): string[] {
  const l = text.split("\n");
  if (l.at(-1) === "") l.pop();
  return l;
}

/** A runtime on in-memory KV with a fake clock at NOW; the caller closes it. */
async function runtime(args: string[] = []) {
  const config = loadConfig(["--ingest-token", "quality-token-1", "--flush-interval", "1h", ...args], {});
  const kv = await Deno.openKv(":memory:");
  const clock = new FakeClock(NOW);
  const rt = await startRuntime(kv, config, clock);
  return {
    rt,
    clock,
    async close() {
      await rt.close();
      kv.close();
    },
  };
}

Deno.test("quality - measures every dimension of a fixture of mixed Cowrie releases", async () => {
  const { rt, close } = await runtime();
  try {
    const records = lines(await Deno.readTextFile(FIXTURE));
    const r = await rt.pipeline.ingest({ sensor: "vm1", source: "cowrie", records });
    assert.equal(r.accepted, 13);
    assert.equal(r.rejected, 4);
    const [q] = rt.ops.quality.report();
    assert.equal(q.sensor, "vm1");
    assert.equal(q.events, 13);
    // Consistency: every format variant in the fixture is named and counted.
    assert.deepEqual(q.consistency.variants, {
      json_spaced: 1,
      legacy_system: 1,
      ts_z_no_fraction: 1,
      ts_z_fraction: 13,
      ts_offset: 1,
      ts_other: 1,
      version_repr: 1,
      message_list: 1,
      message_missing: 1,
      duration_string: 1,
      duration_float: 1,
      duration_ms: 1,
    });
    // Completeness: one failed login has no password (nor a key fingerprint).
    assert.deepEqual(q.completeness.byKind.login_failed, {
      events: 3,
      ratio: 0.8889,
      missing: { "password|raw.fingerprint": 1 },
    });
    assert.equal(q.completeness.byKind.connect.ratio, 1);
    assert.ok(q.completeness.ratio! < 1 && q.completeness.ratio! > 0.9);
    // Accuracy: from the rejections.
    assert.deepEqual(q.accuracy.invalid, { ip: 1, port: 1, timestamp: 1 });
    assert.equal(q.accuracy.reasons.truncated, 1);
    assert.equal(q.accuracy.rejectedRatio, 0.2353);
    // Timeliness: lag, the event 5 minutes ahead of the server, and two silences over 5 minutes.
    assert.equal(q.timeliness.clockSkew.aheadEvents, 1);
    assert.equal(q.timeliness.clockSkew.maxAheadS, 300);
    assert.equal(q.timeliness.gapCount, 2);
    assert.deepEqual(q.timeliness.gaps.map((g) => g.seconds), [1740, 2100]);
    assert.equal(q.timeliness.outOfOrder, 0);
    assert.equal(q.timeliness.lag.maxS, 3600);
    assert.equal(q.timeliness.lag.p50S, 3600);
    // Duplicates: one repeated line, one wget-then-curl download.
    assert.deepEqual(q.duplicates, { batches: 0, events: 1, repeatedDownloads: 1 });
  } finally {
    await close();
  }
});

Deno.test("quality - a resent uplink batch counts as a duplicate batch; the window slides", async () => {
  const { rt, clock, close } = await runtime(["--quality-window", "10m", "--silence-after", "1m"]);
  try {
    const rec = {
      eventid: "cowrie.session.connect",
      timestamp: "2026-11-25T09:59:59.000000Z",
      src_ip: "192.0.2.1",
    };
    await rt.pipeline.ingest({ sensor: "vm2", source: "cowrie", seq: 1, records: [rec] });
    const again = await rt.pipeline.ingest({ sensor: "vm2", source: "cowrie", seq: 1, records: [rec] });
    assert.equal(again.duplicate, true);
    let [q] = rt.ops.quality.report({ sensor: "vm2" });
    assert.equal(q.duplicates.batches, 1);
    assert.equal(q.events, 1);
    assert.equal(q.timeliness.silent, false);
    clock.advance(11 * 60_000);
    [q] = rt.ops.quality.report({ sensor: "vm2" });
    assert.equal(q.events, 0, "the batch left the 10m window");
    assert.equal(q.duplicates.batches, 0);
    assert.equal(q.timeliness.silent, true);
    assert.equal(q.timeliness.silentS, 660);
  } finally {
    await close();
  }
});

Deno.test("quality routes - /api/quality and the /quality page show the measures", async () => {
  const { rt, close } = await runtime();
  try {
    await rt.pipeline.ingest({
      sensor: "vm3",
      source: "cowrie",
      records: lines(await Deno.readTextFile(FIXTURE)),
    });
    const app = createApp(rt);
    const api = await app.request("/api/quality?sensor=vm3");
    assert.equal(api.status, 200);
    const body = await api.json();
    assert.equal(body.items.length, 1);
    assert.equal(body.items[0].consistency.variants.duration_string, 1);
    assert.equal((await (await app.request("/api/quality?sensor=nope")).json()).items.length, 0);
    const page = await app.request("/quality");
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<h1>Data quality<\/h1>/);
    assert.match(html, /vm3 · cowrie/);
    assert.match(html, /duration_string 1/);
    assert.match(html, /invalid_ip 1/);
    assert.match(html, /href="\/quality" aria-current="page"/);
  } finally {
    await close();
  }
});

/** Feed a real file through the real parser into a tracker, in uplink-sized batches. */
function measureFile(path: URL, name: string) {
  const q = new QualityTracker({ clock: new FakeClock(NOW) });
  const p = createParser("cowrie", { sensor: name });
  const all = lines(Deno.readTextFileSync(path));
  for (let i = 0; i < all.length; i += 400) {
    const records = all.slice(i, i + 400);
    const events: NormalisedEvent[] = [];
    const rejected: Record<string, number> = {};
    records.forEach((rec, j) => {
      const r = p.parse(rec);
      if (r.ok === true) events.push({ ...r.event, id: `${name}.${i + j}` });
      else if (r.ok === false) rejected[r.reason] = (rejected[r.reason] ?? 0) + 1;
    });
    q.observe({ sensor: name, source: "cowrie", events, rejected, records, actors: undefined as never });
  }
  return q.report()[0];
}

let shared: string[] = [];
try {
  shared = [...Deno.readDirSync(SHARED)].map((e) => e.name).filter((n) => n.endsWith(".json")).sort();
} catch { /* absent */ }
if (shared.length === 0) {
  // deno-lint-ignore no-console
  console.log("SKIP quality on real data: ../shared/data/cowrie/*.json not found");
}

Deno.test({
  name: "quality - finds the quirks cowrie-events.md lists in the real Cowrie files" +
    (shared.length ? "" : " (skipped: ../shared/data/cowrie absent)"),
  ignore: shared.length === 0,
  fn() {
    const r = Object.fromEntries(shared.map((f) => [f, measureFile(new URL(f, SHARED), f)]));
    // "Normal form ... the only shape in all observed events."
    for (const q of Object.values(r)) {
      assert.equal(q.consistency.variants.ts_z_fraction, q.events, q.sensor);
      assert.equal(q.consistency.variants.ts_offset, undefined, q.sensor);
    }
    // 1.x: spaced separators, Twisted's system key, a cut-off last line.
    const old = r["scriptzteam-2017.json"];
    if (old) {
      assert.ok(old.consistency.variants.json_spaced > 0);
      assert.ok(old.consistency.variants.legacy_system > 0);
      assert.equal(old.accuracy.reasons.truncated, 1);
    }
    // 1.4-2.2: repr'd client versions, in the 2019 and 2021 files.
    for (const f of ["ranguli-2019.json", "andymalepe-2021.json"]) {
      if (r[f]) assert.ok(r[f].consistency.variants.version_repr > 0, f);
    }
    // 2.7-3.0.3: duration as a string, in the 2026 file; floats before.
    if (r["pol-alvarezzz-2026.json"]) {
      assert.ok(r["pol-alvarezzz-2026.json"].consistency.variants.duration_string > 0);
    }
    if (r["radec73-2024.json"]) assert.ok(r["radec73-2024.json"].consistency.variants.duration_float > 0);
    // `message` as a list on 2.x session.params.
    assert.ok(Object.values(r).some((q) => (q.consistency.variants.message_list ?? 0) > 0));
    // wget X; curl -O X: "22 of 80 groups in andymalepe-2021.json".
    if (r["andymalepe-2021.json"]) assert.equal(r["andymalepe-2021.json"].duplicates.repeatedDownloads, 22);
  },
});

Deno.test("quality - sshd lines are measured against what sshd writes (no password, no session)", async () => {
  const { rt, close } = await runtime();
  try {
    await rt.pipeline.ingest({
      sensor: "bastion",
      source: "sshd",
      records: [
        "Nov 25 09:40:03 bastion sshd[811]: Failed password for root from 192.0.2.7 port 40022 ssh2",
        "Nov 25 09:40:05 bastion sshd[811]: Failed password for invalid user admin from 192.0.2.7 port 40022 ssh2",
      ],
    });
    const [q] = rt.ops.quality.report({ sensor: "bastion" });
    assert.equal(q.source, "sshd");
    assert.equal(q.completeness.byKind.login_failed.events, 2);
    assert.equal(q.completeness.ratio, 1);
    assert.deepEqual(q.consistency.variants, { syslog_bsd: 2 });
  } finally {
    await close();
  }
});
