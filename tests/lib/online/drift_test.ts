import assert from "node:assert/strict";
import { FakeClock } from "../../../lib/clock.ts";
import { loadConfig } from "../../../lib/config.ts";
import { type DriftEvent, listDrifts } from "../../../lib/online/mod.ts";
import { AdwinBank, driftEvent } from "../../../lib/online/drift.ts";
import { startRuntime } from "../../../lib/runtime.ts";

const T = Date.UTC(2026, 0, 5, 12, 0, 0);

/** `perMinute` connects per minute for `minutes` minutes from minute `from`, from many IPs. */
function connects(from: number, minutes: number, perMinute: number): Record<string, unknown>[] {
  const out = [];
  for (let m = from; m < from + minutes; m++) {
    for (let i = 0; i < perMinute; i++) {
      const ts = T + m * 60_000 + Math.floor((i * 60_000) / perMinute);
      out.push({
        eventid: "cowrie.session.connect",
        src_ip: `198.51.${m % 250}.${i % 250}`,
        src_port: 40000 + i,
        dst_ip: "172.31.20.15",
        dst_port: 22,
        session: `s${m}.${i}`,
        timestamp: new Date(ts).toISOString(),
        sensor: "vm1",
      });
    }
  }
  return out;
}

Deno.test("drift - a lasting rate change is published on the hub (event drift) and stored in KV", async () => {
  const kv = await Deno.openKv(":memory:");
  const clock = new FakeClock(T);
  const rt = await startRuntime(kv, loadConfig(["--ingest-token", "test-token-123456"], {}), clock);
  const sub = rt.hub.subscribe({ events: new Set(["drift"]) }, 10_000);
  try {
    const records = [...connects(0, 20, 30), ...connects(20, 15, 150)];
    for (let i = 0; i < records.length; i += 100) {
      await rt.pipeline.ingest({ sensor: "vm1", source: "cowrie", records: records.slice(i, i + 100) });
    }
    const published = sub.take().map((m) => m.data as DriftEvent);
    const rate = published.find((d) => d.stream === "rate:*");
    assert.ok(rate, `no rate drift in ${JSON.stringify(published.map((d) => d.stream))}`);
    assert.equal(rate.type, "drift");
    assert.equal(rate.ip, "*");
    assert.equal(rate.detector, "page_hinkley");
    assert.ok(Date.parse(rate.ts) >= T + 20 * 60_000, "drift before the change");
    assert.ok(rate.after > rate.before);
    const stored = await listDrifts(kv);
    assert.ok(stored.some((d) => d.id === rate.id));
    assert.ok(rt.models.drifts.some((d) => d.id === rate.id));
  } finally {
    sub.close();
    await rt.close();
    kv.close();
  }
});

Deno.test("AdwinBank - a shifted score stream cuts once and reports the means before and after", () => {
  const bank = new AdwinBank();
  const cuts = [];
  for (let i = 0; i < 2000; i++) {
    const c = bank.update("s", i < 1000 ? 0.2 + (i % 10) / 100 : 0.7 + (i % 10) / 100);
    if (c) cuts.push({ i, ...c });
  }
  assert.ok(cuts.length >= 1);
  assert.ok(cuts[0].i >= 1000 && cuts[0].i < 1200, JSON.stringify(cuts[0]));
  assert.ok(cuts[0].before < 0.5 && cuts[0].after > cuts[0].before, JSON.stringify(cuts[0]));
  const d = driftEvent("unusual.score", "adwin", T, cuts[0].before, cuts[0].after, "kept");
  assert.match(d.reason, /unusual\.score rose from/);
  assert.equal(d.ip, "*");
});
