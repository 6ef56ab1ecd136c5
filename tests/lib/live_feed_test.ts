import assert from "node:assert/strict";
import { systemClock } from "../../lib/clock.ts";
import { Hub, type HubMessage } from "../../lib/hub.ts";
import { LiveFeed } from "../../lib/live_feed.ts";
import type { Anomaly } from "../../lib/schema.ts";

/** Two instances on one KV file, each with its own KV handle, hub and feed (as two isolates). */
async function pair(dir: string) {
  const open = async (instance: string) => {
    const kv = await Deno.openKv(`${dir}/hw.kv`);
    const hub = new Hub();
    const feed = new LiveFeed(kv, hub, { instance, clock: systemClock, pollMs: 50 });
    const sub = hub.subscribe({});
    return { kv, hub, feed, sub, instance };
  };
  const a = await open("a");
  const b = await open("b");
  return {
    a,
    b,
    async close() {
      for (const x of [a, b]) {
        await x.feed.close();
        x.sub.close();
        x.kv.close();
      }
    },
  };
}

type Side = Awaited<ReturnType<typeof pair>>["a"];

function anomaly(id: string, updates = 1, evidence = 1): Anomaly {
  return {
    id,
    type: "brute_force",
    detector: "brute_force",
    ip: "203.0.113.7",
    ts: "2026-11-25T10:00:00.000Z",
    lastTs: "2026-11-25T10:00:00.000Z",
    severity: "medium",
    score: 0.5,
    reason: "5 failed logins in 10m",
    window: { ms: 600_000, label: "10m" },
    threshold: 5,
    value: 5,
    features: {},
    evidence: Array.from({ length: evidence }, (_, i) => `vm1.1.${i}-${"x".repeat(40)}`),
    updates,
    status: "open",
  };
}

/** Commit anomalies the way `upsertAnomalies` does: their keys plus the feed, in one commit. */
async function raise(side: Side, list: Anomaly[]): Promise<void> {
  const op = side.kv.atomic();
  for (const a of list) op.set(["an", a.id], a);
  const res = await side.feed.commit(op, "anomaly", list);
  assert.ok(res.ok);
  side.hub.publishAnomalies(list);
}

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ids = (q: HubMessage[]) => q.map((m) => `${(m.data as Anomaly).id}#${(m.data as Anomaly).updates}`);

Deno.test("LiveFeed - an anomaly committed by one instance reaches the other's subscribers once", async () => {
  const dir = await Deno.makeTempDir();
  const p = await pair(dir);
  try {
    await p.a.feed.start();
    await p.b.feed.start();
    await raise(p.a, [anomaly("brute_force-vm1.1.4")]);
    await until("b relays a's anomaly", () => p.b.sub.queue.length >= 1);
    await raise(p.b, [anomaly("brute_force-vm2.1.4")]);
    await until("a relays b's anomaly", () => p.a.sub.queue.length >= 2);
    // Let further passes run (a head change, a poll): nothing more may arrive.
    await raise(p.a, []);
    await until("b has read a's empty commit", () => p.b.feed.stats.reads >= 2);
    assert.deepEqual(ids(p.a.sub.take()), ["brute_force-vm1.1.4#1", "brute_force-vm2.1.4#1"]);
    assert.deepEqual(ids(p.b.sub.take()), ["brute_force-vm1.1.4#1", "brute_force-vm2.1.4#1"]);
    assert.equal(p.a.hub.received, 1);
    assert.equal(p.b.hub.received, 1);
    assert.equal(p.b.feed.stats.received.anomaly, 1);
    assert.equal(p.b.feed.stats.missed, 0);
  } finally {
    await p.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LiveFeed - many commits and entries split past the value limit arrive in order", async () => {
  const dir = await Deno.makeTempDir();
  const p = await pair(dir);
  try {
    await p.a.feed.start();
    await p.b.feed.start();
    const sent: string[] = [];
    // 60 commits one after another, the last with 120 large anomalies (several feed entries).
    for (let i = 0; i < 60; i++) {
      const a = anomaly(`brute_force-vm1.${i}.0`, i + 1);
      sent.push(`${a.id}#${a.updates}`);
      await raise(p.a, [a]);
    }
    const big = Array.from({ length: 120 }, (_, i) => anomaly(`port_scan-vm1.99.${i}`, 1, 20));
    sent.push(...big.map((a) => `${a.id}#1`));
    await raise(p.a, big);
    await until("b relays all", () => p.b.sub.queue.length >= sent.length);
    assert.deepEqual(ids(p.b.sub.take()), sent);
    assert.equal(p.a.hub.received, 0);
  } finally {
    await p.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LiveFeed - an instance that starts later relays only what was raised after its start", async () => {
  const dir = await Deno.makeTempDir();
  const p = await pair(dir);
  try {
    await p.a.feed.start();
    await raise(p.a, [anomaly("brute_force-vm1.1.4")]);
    await p.b.feed.start();
    await raise(p.a, [anomaly("brute_force-vm1.2.4")]);
    await until("b relays the second", () => p.b.sub.queue.length >= 1);
    await raise(p.a, [anomaly("brute_force-vm1.3.4")]);
    await until("b relays the third", () => p.b.sub.queue.length >= 2);
    assert.deepEqual(ids(p.b.sub.take()), ["brute_force-vm1.2.4#1", "brute_force-vm1.3.4#1"]);
  } finally {
    await p.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LiveFeed - relayed messages reach subscribers but not taps (metrics, webhooks count once)", async () => {
  const dir = await Deno.makeTempDir();
  const p = await pair(dir);
  const tapped: string[] = [];
  const untap = p.b.hub.tap((m) => tapped.push((m.data as Anomaly).id));
  try {
    await p.a.feed.start();
    await p.b.feed.start();
    await raise(p.a, [anomaly("brute_force-vm1.1.4")]);
    await until("b relays", () => p.b.sub.queue.length >= 1);
    assert.deepEqual(tapped, []);
    assert.equal(p.b.hub.published, 0);
    await raise(p.b, [anomaly("brute_force-vm2.1.4")]);
    assert.deepEqual(tapped, ["brute_force-vm2.1.4"]);
  } finally {
    untap();
    await p.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LiveFeed - its own commits do not make an instance read the feed", async () => {
  const dir = await Deno.makeTempDir();
  const p = await pair(dir);
  try {
    await p.a.feed.start();
    await p.b.feed.start();
    for (let i = 0; i < 30; i++) await raise(p.a, [anomaly(`brute_force-vm1.${i}.4`)]);
    await raise(p.b, [anomaly("brute_force-vm2.1.4")]);
    await until("a relays b's anomaly", () => p.a.hub.received === 1);
    // One pass for b's commit (a watch and a poll may both see it before the pass ends).
    assert.ok(p.a.feed.stats.reads <= 2, `a read ${p.a.feed.stats.reads} times`);
  } finally {
    await p.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LiveFeed - commits made before start (crash recovery at startup) do not hide later ones", async () => {
  const dir = await Deno.makeTempDir();
  const p = await pair(dir);
  try {
    await p.b.feed.start();
    // a re-applies a dead instance's batches before it starts reading: its own commits.
    for (let i = 0; i < 3; i++) await raise(p.a, [anomaly(`brute_force-vm1.${i}.4`)]);
    await p.a.feed.start();
    await raise(p.b, [anomaly("brute_force-vm2.1.4")]);
    await until("a relays b's first anomaly", () => p.a.hub.received === 1);
    assert.deepEqual(ids(p.a.sub.take()).at(-1), "brute_force-vm2.1.4#1");
  } finally {
    await p.close();
    await Deno.remove(dir, { recursive: true });
  }
});
