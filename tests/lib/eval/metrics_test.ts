import assert from "node:assert/strict";
import { type Detection, evaluate, type Label, median, rocAuc } from "../../../lib/eval/metrics.ts";

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

Deno.test("evaluate - matching by type, IP and [start, end + 60 s]; '*' labels match any IP", () => {
  const labels: Label[] = [
    { ip: "1.1.1.1", type: "brute_force", start: t(0), end: t(100) },
    { ip: "2.2.2.2", type: "brute_force", start: t(200), end: t(300) },
    { ip: "*", type: "traffic_spike", start: t(400), end: t(430) },
  ];
  const anomalies: Detection[] = [
    { type: "brute_force", ip: "1.1.1.1", ts: t(20), score: 0.9 }, // finds label 1, delay 20 s
    { type: "brute_force", ip: "1.1.1.1", ts: t(160), score: 0.8 }, // 60 s after the end: still found
    { type: "brute_force", ip: "1.1.1.1", ts: t(161), score: 0.95 }, // 61 s after: false positive
    { type: "brute_force", ip: "9.9.9.9", ts: t(250), score: 0.7 }, // wrong IP: false positive
    { type: "traffic_spike", ip: "*", ts: t(410), score: 0.6 },
    { type: "port_scan", ip: "3.3.3.3", ts: t(410), score: 0.6 }, // no label of its type
  ];
  const m = evaluate(labels, anomalies);
  assert.deepEqual(m.brute_force, {
    labels: 2,
    anomalies: 4,
    found: 1,
    truePositives: 2,
    falsePositives: 2,
    precision: 0.5,
    recall: 0.5,
    f1: 0.5,
    precisionAtK: 0.5, // top 2 by score: 0.95 (FP), 0.9 (TP)
    medianDelayMs: 20_000,
  });
  assert.equal(m.traffic_spike.f1, 1);
  assert.equal(m.traffic_spike.medianDelayMs, 10_000);
  assert.equal(m.port_scan.precision, 0);
  assert.equal(m.port_scan.recall, 1);
});

Deno.test("median and rocAuc - small cases", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
  assert.equal(rocAuc([0.5, 0.5], [0, 1]), 0.5);
});
