import assert from "node:assert/strict";
import { FakeClock } from "../../lib/clock.ts";
import type { NormalisedEvent } from "../../lib/schema.ts";
import {
  aggregate,
  clipValue,
  mergeTop,
  RateMeter,
  REL_FANOUT,
  StatsAggregator,
  TOP_CAP,
  VALUE_MAX,
} from "../../lib/stats.ts";
import { relatedIps } from "../../lib/stats_query.ts";

const ev = (
  ts: number,
  kind: NormalisedEvent["kind"],
  extra: Partial<NormalisedEvent> = {},
): NormalisedEvent => ({
  id: `e${ts}`,
  ts,
  sensor: "s",
  source: "cowrie",
  kind,
  src_ip: "198.51.100.1",
  ...extra,
});

Deno.test("stats - aggregate groups by UTC minute, counts kinds and top values", () => {
  const m = 60_000 * 29_000_000;
  const parts = aggregate([
    ev(m + 1, "login_failed", { username: "root", password: "x" }),
    ev(m + 59_999, "login_failed", { username: "root", password: "y" }),
    ev(m + 60_000, "download", { url: "http://a/b" }),
    ev(m + 60_001, "command", { url: "http://not-a-download/", command: "ls" }),
  ]);
  assert.deepEqual([...parts.keys()], [m, m + 60_000]);
  assert.deepEqual(parts.get(m)!.counts, { total: 2, kinds: { login_failed: 2 } });
  assert.deepEqual(parts.get(m)!.tops.username, { root: 2 });
  assert.deepEqual(parts.get(m)!.tops.password, { x: 1, y: 1 });
  assert.deepEqual(parts.get(m + 60_000)!.tops.url, { "http://a/b": 1 }, "only download URLs are counted");
  assert.deepEqual(parts.get(m + 60_000)!.tops.command, { ls: 1 });
});

Deno.test("stats - top maps keep the most frequent values past the cap", () => {
  const big: Record<string, number> = {};
  for (let i = 0; i < TOP_CAP + 50; i++) big[`v${i}`] = i;
  const kept = mergeTop({}, big);
  assert.equal(Object.keys(kept).length, TOP_CAP);
  assert.equal(kept[`v${TOP_CAP + 49}`], TOP_CAP + 49);
  assert.equal(kept.v0, undefined);
  assert.deepEqual(mergeTop({ a: 2 }, { a: 3, b: 1 }), { a: 5, b: 1 });
});

Deno.test("stats - long attacker strings are clipped", () => {
  assert.equal(clipValue("x".repeat(VALUE_MAX + 10)), "x".repeat(VALUE_MAX) + "…");
  assert.equal(clipValue("short"), "short");
});

Deno.test("stats - rate meter averages whole seconds of wall time", () => {
  const clock = new FakeClock(1_000_000);
  const meter = new RateMeter(clock);
  meter.add(30);
  clock.advance(1000);
  meter.add(10);
  clock.advance(1000);
  assert.equal(meter.perSecond(10), 4);
  clock.advance(20_000);
  assert.equal(meter.perSecond(10), 0);
});

Deno.test("stats - relation index: a value shared by many sources keeps REL_FANOUT of them; related IPs still found", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = new FakeClock(Date.UTC(2026, 11, 5, 12));
    const stats = new StatsAggregator({ kv, clock, retentionMs: 86_400_000, meter: new RateMeter(clock) });
    const events: NormalisedEvent[] = [];
    for (let i = 0; i < 200; i++) {
      events.push({
        id: `r.${i}`,
        ts: clock.now() + i,
        sensor: "s",
        source: "cowrie",
        kind: "client_version",
        src_ip: `192.0.2.${i % 250}`,
        client: "SSH-2.0-Go",
      } as NormalisedEvent);
    }
    // Two sources share one rare credential.
    for (const ip of ["198.51.100.1", "198.51.100.2"]) {
      events.push({
        id: `c.${ip}`,
        ts: clock.now(),
        sensor: "s",
        source: "cowrie",
        kind: "login_failed",
        src_ip: ip,
        username: "oracle",
        password: "rare-pass-1",
      } as NormalisedEvent);
    }
    stats.observe({
      sensor: "s",
      source: "cowrie",
      events,
      rejected: {},
      records: [],
      actors: undefined as never,
    });
    await stats.flush();
    const client = await Array.fromAsync(kv.list({ prefix: ["rel", "client", "SSH-2.0-Go"] }));
    assert.equal(client.length, REL_FANOUT, "a common client is recorded for REL_FANOUT sources, not 200");
    const related = await relatedIps(kv, "198.51.100.1", [["oracle", "rare-pass-1"]], ["SSH-2.0-Go"]);
    assert.deepEqual(related[0], {
      ip: "198.51.100.2",
      via: "credential",
      value: "oracle / rare-pass-1",
      lastTs: new Date(clock.now()).toISOString(),
    });
    assert.equal(related.length, 30, "and up to the page's limit of the client's sources");
  } finally {
    kv.close();
  }
});
