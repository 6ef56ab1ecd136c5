import assert from "node:assert/strict";
import { Registry } from "../../lib/metrics.ts";

Deno.test("metrics - renders counters, gauges and histograms in the text format", async () => {
  const m = new Registry();
  m.counter("hw_things_total", "Things\nseen", ["kind"]).inc({ kind: 'a"b\\c\nd' }, 2);
  m.gauge("hw_level", "Level").set(undefined, 1.5);
  const h = m.histogram("hw_lag_seconds", "Lag", [1, 10]);
  h.observe(undefined, 0.5);
  h.observe(undefined, 5);
  h.observe(undefined, 50);
  const text = await m.render();
  assert.match(text, /^# HELP hw_things_total Things\\nseen$/m);
  assert.match(text, /^# TYPE hw_things_total counter$/m);
  assert.match(text, /^hw_things_total\{kind="a\\"b\\\\c\\nd"\} 2$/m);
  assert.match(text, /^hw_level 1.5$/m);
  assert.match(text, /^hw_lag_seconds_bucket\{le="1"\} 1$/m);
  assert.match(text, /^hw_lag_seconds_bucket\{le="10"\} 2$/m);
  assert.match(text, /^hw_lag_seconds_bucket\{le="\+Inf"\} 3$/m);
  assert.match(text, /^hw_lag_seconds_sum 55.5$/m);
  assert.match(text, /^hw_lag_seconds_count 3$/m);
  assert.ok(text.endsWith("\n"));
});

Deno.test("metrics - registering twice returns the same metric; a clash of kind or labels throws", () => {
  const m = new Registry();
  const a = m.counter("hw_x_total", "x", ["model"]);
  assert.equal(m.counter("hw_x_total", "x", ["model"]), a);
  assert.throws(() => m.gauge("hw_x_total", "x", ["model"]), /already registered as a counter/);
  assert.throws(() => m.counter("hw_x_total", "x", ["type"]), /already registered/);
});

Deno.test("metrics - refuses per-address labels and counters without _total", () => {
  const m = new Registry();
  assert.throws(() => m.counter("hw_hits_total", "h", ["src_ip"]), /one series per address/);
  assert.throws(() => m.gauge("hw_g", "g", ["ip"]), /one series per address/);
  assert.throws(() => m.counter("hw_hits", "h"), /must end in "_total"/);
  assert.throws(() => m.gauge("hw-bad", "g"), /not a valid Prometheus name/);
});

Deno.test("metrics - a metric keeps at most maxSeries label sets and counts the rest", async () => {
  const m = new Registry(3);
  const c = m.counter("hw_by_sensor_total", "c", ["sensor"]);
  for (let i = 0; i < 10; i++) c.inc({ sensor: `s${i}` });
  const text = await m.render();
  assert.equal(text.split("\n").filter((l) => l.startsWith("hw_by_sensor_total{")).length, 3);
  assert.match(text, /^honeywatch_metrics_series_dropped 7$/m);
});

Deno.test("metrics - collectors run before each render", async () => {
  const m = new Registry();
  const g = m.gauge("hw_now", "n");
  let n = 0;
  m.collect(() => g.set(undefined, ++n));
  assert.match(await m.render(), /^hw_now 1$/m);
  assert.match(await m.render(), /^hw_now 2$/m);
});
