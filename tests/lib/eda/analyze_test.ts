import assert from "node:assert/strict";
import { actorFeatures, newActor } from "../../../actors/actor.ts";
import { analyze, featureStats, pearson, quantile } from "../../../lib/eda/analyze.ts";
import { readInputs } from "../../../lib/eda/read.ts";
import { createParser } from "../../../lib/parsers/mod.ts";
import type { NormalisedEvent } from "../../../lib/schema.ts";
import { generatedLines, realFile } from "./_data.ts";

Deno.test("quantile - interpolates like numpy's default", () => {
  const v = [1, 2, 3, 4, 10];
  assert.equal(quantile(v, 0.25), 2);
  assert.equal(quantile(v, 0.5), 3);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

Deno.test("pearson - perfect, inverse and undefined correlation", () => {
  assert.equal(pearson([1, 2, 3], [2, 4, 6]), 1);
  assert.equal(pearson([1, 2, 3], [3, 2, 1]), -1);
  assert.equal(pearson([1, 1, 1], [1, 2, 3]), null);
});

Deno.test("featureStats - IQR fences and z-score outliers", () => {
  const values = [...Array(30).fill(1), ...Array(30).fill(2), 100];
  const ips = values.map((_, i) => `10.0.0.${i}`);
  const f = featureStats("x", ips, values);
  assert.equal(f.q1, 1);
  assert.equal(f.q3, 2);
  assert.equal(f.highFence, 3.5);
  assert.equal(f.iqrOutliers, 1);
  assert.equal(f.zOutliers, 1);
  assert.deepEqual(f.top.map((t) => t.ip), ["10.0.0.60"]);
  assert.equal(f.histogram.reduce((s, h) => s + h.count, 0), 61);
});

function parseLines(lines: string[]): NormalisedEvent[] {
  const p = createParser("cowrie", { sensor: "gen" });
  return lines.flatMap((l, i) => {
    const r = p.parse(l);
    return r.ok === true ? [{ ...r.event, id: `gen.${i}` }] : [];
  });
}

Deno.test("analyze - generated Cowrie data: counts, series, features, PCA and anomalies agree", () => {
  const events = parseLines(generatedLines(4000));
  assert.equal(events.length, 4000);
  const d = analyze(events, {
    title: "t",
    inputs: ["gen"],
    quality: { records: 4000, skipped: 0, rejected: {}, outOfOrder: 0, perInput: [] },
  });
  assert.equal(d.summary.events, 4000);
  assert.equal(d.perMinute.reduce((s, b) => s + b.n, 0), 4000);
  assert.equal(d.perHour.reduce((s, b) => s + b.n, 0), 4000);
  assert.equal(d.hourOfDay.reduce((s, n) => s + n, 0), 4000);
  const kinds = new Map<string, number>();
  for (const e of events) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  for (const c of d.counts.kind) assert.equal(c.count, kinds.get(c.value));
  const ipCount = events.filter((e) => e.src_ip === d.counts.src_ip[0].value).length;
  assert.equal(d.counts.src_ip[0].count, ipCount);
  assert.equal(d.summary.ips, new Set(events.map((e) => e.src_ip)).size);
  const port = d.counts.dst_port[0];
  assert.equal(port.count, events.filter((e) => String(e.dst_port) === port.value).length);
  // The generator's scheduled attacks are found by the real detectors.
  const types = d.anomaliesByType.map((a) => a.value);
  assert.ok(types.includes("brute_force"), types.join());
  assert.ok(types.includes("port_scan"), types.join());
  // Features are the actor's own, one column per feature, and the matrix is symmetric.
  assert.deepEqual(d.features.map((f) => f.name), Object.keys(actorFeatures(newActor("x"), 0)));
  for (const f of d.features) assert.equal(f.n, d.summary.ips);
  const m = d.correlation.matrix;
  for (let i = 0; i < m.length; i++) {
    assert.equal(m[i][i], 1);
    for (let j = 0; j < m.length; j++) assert.equal(m[i][j], m[j][i]);
  }
  // Every actor is projected, the anomalous ones under their anomaly's label.
  assert.equal(d.pca.points.length, d.summary.ips);
  assert.ok(d.pca.points.some((p) => p.label.includes("brute_force")));
  assert.ok(d.pca.explained[0] >= d.pca.explained[1] && d.pca.explained[0] > 0);
  assert.deepEqual(d.quality.fieldCoverage.session, 1);
});

const real = realFile("scriptzteam-2017.json");
Deno.test({
  name: "readInputs - a real Cowrie 1.x log: the cut-off last line is counted as truncated" +
    (real ? "" : " (skipped: shared/data/cowrie/scriptzteam-2017.json not found)"),
  ignore: real === null,
  async fn() {
    const { events, quality } = await readInputs([real!]);
    const lines = (await Deno.readTextFile(real!)).split("\n").filter((l) => l.trim() !== "").length;
    assert.equal(quality.records, lines);
    assert.equal(quality.rejected.truncated, 1);
    assert.equal(events.length + 1, lines);
    assert.deepEqual(quality.perInput, [{ value: "scriptzteam-2017.json (cowrie)", count: events.length }]);
    const d = analyze(events, { title: "real", inputs: ["s"], quality });
    assert.equal(d.summary.first?.slice(0, 4), "2017");
    assert.ok(d.counts.command.length > 0);
    assert.equal(d.quality.unknownEventIds[0].value, "cowrie.command.success");
  },
});
if (!real) {
  // deno-lint-ignore no-console
  console.log("SKIP real-data EDA test: shared/data/cowrie/scriptzteam-2017.json not found");
}
