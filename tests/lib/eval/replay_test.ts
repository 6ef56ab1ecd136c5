import assert from "node:assert/strict";
import { evaluate } from "../../../lib/eval/metrics.ts";
import { replayRecords } from "../../../lib/eval/replay.ts";
import { setLogLevel } from "../../../lib/log.ts";
import { labelledReplay } from "../online/_replay.ts";

setLogLevel("warn");

Deno.test("replayRecords - unusual and traffic_spike find every injected attack, no false positive", async () => {
  // 25 minutes at 10 events/s: the spike baseline needs 10 minutes, HST a few hundred vectors.
  const { records, labels } = await labelledReplay(15_000, 10, ["unusual", "traffic_spike", "unusual"]);
  const { anomalies, events } = await replayRecords(records, { source: "cowrie" });
  assert.equal(events, records.length);
  const m = evaluate(labels, anomalies);
  assert.equal(m.unusual.recall, 1, JSON.stringify(m.unusual));
  assert.equal(m.unusual.precision, 1, JSON.stringify(anomalies.filter((a) => a.type === "unusual")));
  assert.equal(m.traffic_spike.recall, 1, JSON.stringify(m.traffic_spike));
  assert.equal(m.traffic_spike.precision, 1);
  // Every unusual anomaly is explained: score, threshold and feature values against the baseline.
  for (const a of anomalies.filter((a) => a.type === "unusual")) {
    assert.ok(a.features.score >= a.features.threshold);
    assert.ok(Object.keys(a.features).some((k) => k.endsWith("_baseline")));
    assert.match(a.reason, /top features: /);
  }
});
