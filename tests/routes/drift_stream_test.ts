import assert from "node:assert/strict";
import { FakeClock } from "../../lib/clock.ts";
import { readSse, startServer } from "../_helpers.ts";

const T = Date.UTC(2026, 0, 5, 12, 0, 0);

/** `perMinute` Cowrie connects per minute for `minutes` minutes from minute `from`. */
function connects(from: number, minutes: number, perMinute: number): Record<string, unknown>[] {
  const out = [];
  for (let m = from; m < from + minutes; m++) {
    for (let i = 0; i < perMinute; i++) {
      out.push({
        eventid: "cowrie.session.connect",
        src_ip: `198.51.${m % 250}.${i % 250}`,
        src_port: 40000 + i,
        dst_ip: "172.31.20.15",
        dst_port: 22,
        session: `s${m}.${i}`,
        timestamp: new Date(T + m * 60_000 + Math.floor((i * 60_000) / perMinute)).toISOString(),
        sensor: "vm1",
      });
    }
  }
  return out;
}

Deno.test("GET /api/stream - a drift arrives as an SSE `event: drift` with what shifted and when", async () => {
  const server = await startServer({ clock: new FakeClock(T) });
  const ac = new AbortController();
  try {
    const reading = readSse(
      `${server.url}/api/stream?type=drift`,
      (evs) => evs.some((e) => e.event === "drift"),
      ac.signal,
    );
    while (server.rt.hub.subscribers === 0) await new Promise((r) => setTimeout(r, 10));
    const records = [...connects(0, 20, 30), ...connects(20, 15, 150)];
    for (let i = 0; i < records.length; i += 100) {
      await server.rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        records: records.slice(i, i + 100),
      });
    }
    const events = await reading;
    const d = JSON.parse(events.find((e) => e.event === "drift")!.data);
    assert.equal(d.type, "drift");
    assert.equal(d.ip, "*");
    assert.equal(typeof d.stream, "string");
    assert.ok(["adwin", "page_hinkley"].includes(d.detector));
    assert.ok(Number.isFinite(Date.parse(d.ts)));
    assert.match(d.reason, /(rose|fell) from/);
  } finally {
    ac.abort();
    await server.close();
  }
});

Deno.test("GET /api/stream - a drift detected by another instance on the same KV reaches this one's subscribers", async () => {
  const dir = await Deno.makeTempDir();
  const a = await startServer({ kvPath: `${dir}/hw.kv`, clock: new FakeClock(T) });
  const b = await startServer({ kvPath: `${dir}/hw.kv`, clock: new FakeClock(T) });
  const ac = new AbortController();
  try {
    let events: { event: string; data: string }[] = [];
    const reading = readSse(
      `${a.url}/api/stream?type=drift`,
      (evs) => (events = evs).some((e) => e.event === "drift"),
      ac.signal,
    );
    while (a.rt.hub.subscribers === 0) await new Promise((r) => setTimeout(r, 10));
    const records = [...connects(0, 20, 30), ...connects(20, 15, 150)];
    for (let i = 0; i < records.length; i += 100) {
      await b.rt.pipeline.ingest({ sensor: "vm1", source: "cowrie", records: records.slice(i, i + 100) });
    }
    await reading;
    assert.equal(a.rt.hub.published, 0, "a raised nothing itself");
    const d = JSON.parse(events.find((e) => e.event === "drift")!.data);
    assert.equal(d.type, "drift");
    assert.ok(a.rt.feed.stats.received.drift >= 1);
    assert.equal(b.rt.feed.stats.received.drift, 0, "b's own drift is not relayed back to it");
  } finally {
    ac.abort();
    await a.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
