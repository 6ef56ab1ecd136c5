import assert from "node:assert/strict";
import { KnownIps, loadKnown, saveKnown } from "../../actors/known.ts";
import { ActorSystem } from "../../actors/system.ts";
import { FakeClock } from "../../lib/clock.ts";
import { buildDetectors } from "../../lib/detectors/mod.ts";
import type { NormalisedEvent } from "../../lib/schema.ts";

const ev = (ip: string, i: number): NormalisedEvent => ({
  id: `k.${i}`,
  ts: 1_800_000_000_000 + i,
  sensor: "k",
  source: "cowrie",
  kind: "connect",
  src_ip: ip,
});

Deno.test("KnownIps - no false negatives, few false positives, survives a save and load", async () => {
  const k = new KnownIps(1 << 20);
  for (let i = 0; i < 50_000; i++) k.add(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
  for (let i = 0; i < 50_000; i++) assert.ok(k.has(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
  let fp = 0;
  for (let i = 0; i < 50_000; i++) if (k.has(`172.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)) fp++;
  assert.ok(fp / 50_000 < 0.05, `false positive rate ${fp / 50_000}`);
  const kv = await Deno.openKv(":memory:");
  try {
    await saveKnown(kv, ["known"], k);
    const back = await loadKnown(kv, ["known"], 1 << 20);
    assert.deepEqual(back.bits, k.bits);
    assert.equal(k.dirty, false);
  } finally {
    kv.close();
  }
});

Deno.test("ActorSystem - new IPs need no KV read; an IP the filter missed is merged at flush, not lost", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/k.kv`;
  const kvA = await Deno.openKv(path);
  const kvB = await Deno.openKv(path);
  try {
    const clock = new FakeClock(1_800_000_000_000);
    const detectors = buildDetectors();
    // A writes 3 events for the IP; B has its own (empty) filter and never saw it.
    const a = new ActorSystem(kvA, { clock, detectors, known: new KnownIps(1 << 16) });
    await a.apply([ev("203.0.113.9", 1), ev("203.0.113.9", 2), ev("203.0.113.9", 3)], {
      instance: "a",
      batch: 1,
    });
    await a.flush();
    const b = new ActorSystem(kvB, { clock, detectors, known: new KnownIps(1 << 16) });
    await b.apply([ev("203.0.113.9", 4), ev("198.51.100.1", 5)], { instance: "b", batch: 1 });
    assert.equal(b.stats.reads, 0);
    await b.flush();
    assert.equal(b.stats.conflicts, 1); // the check for "absent" failed, so it re-read and re-applied
    const check = new ActorSystem(kvA, { clock, detectors });
    assert.equal((await check.get("203.0.113.9"))?.events, 4);
    assert.equal((await check.get("198.51.100.1"))?.events, 1);
    await Promise.all([a.close(), b.close(), check.close()]);
  } finally {
    kvA.close();
    kvB.close();
    await Deno.remove(dir, { recursive: true });
  }
});
