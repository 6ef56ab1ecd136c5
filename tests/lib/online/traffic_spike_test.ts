import assert from "node:assert/strict";
import { TrafficSpike } from "../../../lib/online/traffic_spike.ts";
import { Anomaly, type NormalisedEvent } from "../../../lib/schema.ts";
import { ev, T0 } from "../../actors/_events.ts";

/** `n` events spread over minute `m` (from T0) of sensor vm1: of kind `kind`, or connect and closed in turn. */
function minute(m: number, n: number, kind?: NormalisedEvent["kind"]): NormalisedEvent[] {
  return Array.from(
    { length: n },
    (_, i) =>
      ev(m * 60_000 + Math.floor((i * 60_000) / n), {
        id: `m${m}.${i}`,
        kind: kind ?? (i % 2 === 0 ? "connect" : "closed"),
      }),
  );
}

Deno.test("TrafficSpike - a minute at 5x the baseline raises one global anomaly while it happens", () => {
  const t = new TrafficSpike();
  for (let m = 0; m < 15; m++) assert.deepEqual(t.observe(minute(m, 40 + (m % 3) * 5)), []);
  const spike = minute(15, 250);
  const out = t.observe(spike);
  const global = out.filter((a) => a.id.startsWith("traffic_spike-*"));
  assert.equal(global.length, 1);
  const a = global[0];
  assert.equal(a.type, "traffic_spike");
  assert.equal(a.ip, "*");
  // Raised at the event that crossed the threshold, inside the minute.
  assert.ok(Date.parse(a.ts) >= T0 + 15 * 60_000 && Date.parse(a.ts) < T0 + 16 * 60_000);
  assert.ok(a.features.robust_z >= 6);
  assert.equal(a.features.baseline_median, 45);
  assert.ok(a.evidence.length > 0);
  // The kind series sees the same spike.
  assert.ok(out.some((x) => x.id.startsWith("traffic_spike-kind:connect")));
});

Deno.test("TrafficSpike - with one sensor active the sensor's spike is folded into the global anomaly", () => {
  const t = new TrafficSpike();
  for (let m = 0; m < 15; m++) t.observe(minute(m, 40 + (m % 3) * 5));
  const out = t.observe(minute(15, 250));
  assert.deepEqual(out.filter((a) => a.id.startsWith("traffic_spike-sensor:")), []);
  const global = out.find((a) => a.id.startsWith("traffic_spike-*"))!;
  assert.equal(global.sensor, "vm1");
  assert.match(global.reason, /^Traffic spike in all events \(all from sensor vm1\): /);
  // Folded is still flagged: the spike minute joins neither baseline.
  t.observe(minute(16, 45));
  assert.ok(!t.series.get("sensor:vm1")!.mad.toJSON().window.includes(250));
  assert.ok(!t.series.get("*")!.mad.toJSON().window.includes(250));
  // The next spike minute is folded again.
  assert.deepEqual(t.observe(minute(17, 250)).filter((a) => a.id.startsWith("traffic_spike-sensor:")), []);
});

Deno.test("TrafficSpike - with two sensors active the spiking sensor is named by its own anomaly", () => {
  const t = new TrafficSpike();
  const both = (m: number, n1: number, n2: number) =>
    [
      ...minute(m, n1),
      ...minute(m, n2).map((e) => ({ ...e, id: `vm2.${e.id}`, sensor: "vm2" })),
    ].sort((a, b) => a.ts - b.ts);
  for (let m = 0; m < 15; m++) t.observe(both(m, 20 + (m % 3) * 3, 20 + (m % 2) * 4));
  const out = t.observe(both(15, 22, 300));
  const sensor = out.filter((a) => a.id.startsWith("traffic_spike-sensor:"));
  assert.deepEqual(sensor.map((a) => a.sensor), ["vm2"]);
  const global = out.find((a) => a.id.startsWith("traffic_spike-*"))!;
  assert.equal(global.sensor, undefined);
  assert.doesNotMatch(global.reason, /all from sensor/);
});

Deno.test("TrafficSpike - grace period, minimum count, and a flagged minute is not learnt", () => {
  const t = new TrafficSpike();
  // Within the first 10 minutes nothing may fire, whatever the count.
  for (let m = 0; m < 10; m++) assert.deepEqual(t.observe(minute(m, m === 5 ? 500 : 10)), []);
  for (let m = 10; m < 14; m++) t.observe(minute(m, 10));
  // 40 events is 4x the median but under minCount (50): quiet.
  assert.deepEqual(t.observe(minute(14, 40)), []);
  const before = t.series.get("*")!.mad.toJSON().window.length;
  assert.ok(t.observe(minute(15, 300)).length > 0);
  t.observe(minute(16, 10)); // closes minute 15
  const s = t.series.get("*")!;
  assert.equal(s.mad.toJSON().window.length, before + 1, "only minute 14 joined the window");
  assert.ok(!s.mad.toJSON().window.includes(300));
});

Deno.test("TrafficSpike - feedback margin raises the bar; state survives JSON", () => {
  const t = new TrafficSpike();
  for (let m = 0; m < 15; m++) t.observe(minute(m, 40 + (m % 3) * 5));
  t.margin = 1e9;
  assert.deepEqual(t.observe(minute(15, 400)), []);
  const copy = TrafficSpike.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
  assert.deepEqual(copy.score("*", 400), t.score("*", 400));
  copy.margin = 0;
  assert.ok(copy.observe(minute(16, 400)).length > 0);
});

Deno.test("TrafficSpike - a spike over a flat baseline carries finite numbers and a schema-valid anomaly", () => {
  const t = new TrafficSpike();
  // Exactly 20 events every minute: median 20, MAD 0, mean deviation 0 (the robust z divides by 0).
  for (let m = 0; m < 12; m++) assert.deepEqual(t.observe(minute(m, 20, "connect")), []);
  const out = t.observe(minute(12, 300, "connect"));
  assert.ok(out.length > 0);
  for (const a of out) {
    const round = JSON.parse(JSON.stringify(a));
    assert.ok(!JSON.stringify(a).includes("null"), `no null in ${JSON.stringify(a)}`);
    assert.deepEqual(Anomaly.parse(round), round);
    for (const v of [a.value, a.threshold, a.score, ...Object.values(a.features)]) {
      assert.ok(Number.isFinite(v), `${a.id}: ${v} is finite`);
    }
    assert.ok(a.value >= a.threshold);
    assert.doesNotMatch(a.reason, /Infinity|NaN/);
    assert.match(a.reason, /\d+ events\/min against a flat baseline of 20/);
  }
  // The scores /api/predict shows are finite too.
  const s = t.score("*", 300);
  assert.ok(Number.isFinite(s.z) && s.z > 6);
});

Deno.test("TrafficSpike - a sensor silent for over an hour, then busy, is scored against a baseline of 0", () => {
  const t = new TrafficSpike();
  t.observe(minute(0, 5));
  // 70 silent minutes fill the hour's window with zeros.
  const out = t.observe(minute(71, 120));
  assert.ok(out.length > 0);
  for (const a of out) {
    assert.ok(!JSON.stringify(a).includes("null"));
    assert.equal(a.features.baseline_median, 0);
    assert.ok(Number.isFinite(a.value) && a.value >= 6);
    assert.match(a.reason, new RegExp(`: ${a.features.count} events/min against a flat baseline of 0 `));
  }
});

Deno.test("TrafficSpike - a one-sensor, one-kind feed (firewall only) raises one anomaly and one level shift", () => {
  const t = new TrafficSpike();
  for (let m = 0; m < 15; m++) t.observe(minute(m, 40 + (m % 3) * 5, "firewall"));
  const out = t.observe(minute(15, 250, "firewall"));
  assert.deepEqual(out.map((a) => a.id.split("-")[1]), ["*"]);
  assert.match(out[0].reason, /^Traffic spike in all events \(all from sensor vm1, of kind firewall\): /);
  // A lasting rise: Page-Hinkley reports it once, for the global series.
  for (let m = 16; m < 60; m++) t.observe(minute(m, 400, "firewall"));
  assert.ok(t.shifts.length > 0);
  assert.deepEqual([...new Set(t.shifts.map((s) => s.key))], ["*"]);
});

Deno.test("TrafficSpike - with two sensors each sensor's level shift is its own", () => {
  const t = new TrafficSpike();
  const both = (m: number, n1: number, n2: number) =>
    [...minute(m, n1), ...minute(m, n2).map((e) => ({ ...e, id: `vm2.${e.id}`, sensor: "vm2" }))]
      .sort((a, b) => a.ts - b.ts);
  for (let m = 0; m < 15; m++) t.observe(both(m, 40, 40));
  for (let m = 15; m < 60; m++) t.observe(both(m, 40, 400));
  const keys = new Set(t.shifts.map((s) => s.key));
  assert.ok(keys.has("*") && keys.has("sensor:vm2"), [...keys].join(", "));
  assert.ok(!keys.has("sensor:vm1"));
});
