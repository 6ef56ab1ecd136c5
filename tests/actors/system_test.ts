import assert from "node:assert/strict";
import { ActorSystem, type ActorSystemOptions } from "../../actors/system.ts";
import { keys } from "../../actors/keys.ts";
import { FakeClock } from "../../lib/clock.ts";
import { buildDetectors } from "../../lib/detectors/registry.ts";
import type { Anomaly, NormalisedEvent } from "../../lib/schema.ts";
import { ev, failed, T0 } from "./_events.ts";

const detectors = buildDetectors();

/** Run `fn` with a path to a fresh KV file in a temp dir, removed afterwards. */
async function withKvFile(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "honeywatch_system_test_" });
  try {
    await fn(`${dir}/kv.sqlite3`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function system(kv: Deno.Kv, clock: FakeClock, more: Partial<ActorSystemOptions> = {}): ActorSystem {
  return new ActorSystem(kv, { clock, detectors, ...more });
}

/** A tiny seeded generator (mulberry32), so the interleaving is the same on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("ActorSystem - state applied and flushed survives a restart on the same KV file", async () => {
  await withKvFile(async (path) => {
    const clock = new FakeClock(T0 + 60_000);
    const ip = "198.51.100.7";
    const events = Array.from({ length: 12 }, (_, i) => failed(i * 1000, { src_ip: ip, id: `vm1.1.${i}` }));
    let kv = await Deno.openKv(path);
    try {
      const a = system(kv, clock);
      const raised = await a.apply(events, { instance: "i1", batch: 1 });
      assert.ok(raised.some((x) => x.type === "brute_force"));
      const st = await a.flush();
      assert.deepEqual(st, { actors: 1, commits: 1, conflicts: 0 });
    } finally {
      kv.close();
    }
    kv = await Deno.openKv(path);
    try {
      const b = system(kv, clock);
      assert.equal(b.size, 0);
      const s = await b.get(ip);
      assert.ok(s);
      assert.equal(s.events, 12);
      assert.equal(s.kinds.login_failed, 12);
      assert.equal(s.open.brute_force.id, "brute_force-vm1.1.4");
      assert.deepEqual(s.marks, { i1: [1, T0 + 60_000] });
      assert.equal(b.size, 0, "get does not activate");
      // The same batch again (a replay after a crash) is skipped; a new one continues the counts.
      assert.deepEqual(await b.apply(events, { instance: "i1", batch: 1 }), []);
      assert.equal(b.peek(ip)?.events, 12);
      const more = await b.apply([failed(20_000, { src_ip: ip, id: "vm1.2.0" })], {
        instance: "i2",
        batch: 1,
      });
      assert.equal(b.peek(ip)?.events, 13);
      // The restored open anomaly is updated, not raised anew.
      const bf = more.find((x) => x.type === "brute_force");
      assert.equal(bf?.id, "brute_force-vm1.1.4");
      assert.equal(bf?.value, 13);
      assert.equal(bf?.updates, 9);
      await b.close();
      assert.equal(b.size, 0);
      assert.equal((await b.get(ip))?.events, 13);
    } finally {
      kv.close();
    }
  });
});

Deno.test("ActorSystem - two systems on one KV file lose no update to overlapping actors", async () => {
  await withKvFile(async (path) => {
    const clock = new FakeClock(T0);
    const kvA = await Deno.openKv(path);
    const kvB = await Deno.openKv(path);
    try {
      const a = system(kvA, clock);
      const b = system(kvB, clock);
      const shared = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"];
      const ownA = ["10.0.1.1", "10.0.1.2"];
      const ownB = ["10.0.2.1", "10.0.2.2"];
      const sent = new Map<string, number>();
      const batches = { A: 0, B: 0 };
      let t = 0;
      const makeBatch = (name: "A" | "B", random: () => number) => {
        const ips = [...shared, ...(name === "A" ? ownA : ownB)];
        const n = 1 + Math.floor(random() * 12);
        const events: NormalisedEvent[] = [];
        for (let i = 0; i < n; i++) {
          const ip = ips[Math.floor(random() * ips.length)];
          sent.set(ip, (sent.get(ip) ?? 0) + 1);
          events.push(failed(t += 250, { src_ip: ip, id: `${name}.${batches[name] + 1}.${i}` }));
        }
        return { events, origin: { instance: name, batch: ++batches[name] } };
      };
      const apply = (sys: ActorSystem, name: "A" | "B", random: () => number) => {
        const { events, origin } = makeBatch(name, random);
        return sys.apply(events, origin);
      };
      const random = rng(42);

      // Both read every shared actor before either writes: the second flush must conflict.
      await apply(a, "A", () => 0);
      await apply(b, "B", () => 0);
      for (const ip of shared) {
        await a.apply([failed(t += 250, { src_ip: ip, id: `A.x.${ip}` })], {
          instance: "A",
          batch: ++batches.A,
        });
        await b.apply([failed(t += 250, { src_ip: ip, id: `B.x.${ip}` })], {
          instance: "B",
          batch: ++batches.B,
        });
        sent.set(ip, (sent.get(ip) ?? 0) + 2);
      }
      await a.flush();
      await b.flush();
      assert.ok(b.stats.conflicts > 0, "B wrote over state it read before A's flush");

      // Then many rounds of applies and flushes, interleaved and concurrent.
      for (let round = 0; round < 60; round++) {
        const ops: Promise<unknown>[] = [];
        for (let k = 0; k < 4; k++) {
          const r = random();
          if (r < 0.35) ops.push(apply(a, "A", random));
          else if (r < 0.7) ops.push(apply(b, "B", random));
          else if (r < 0.85) ops.push(a.flush());
          else ops.push(b.flush());
        }
        await Promise.all(ops);
        clock.advance(1000);
      }
      await Promise.all([a.flush(), b.flush()]);
      assert.ok(a.stats.conflicts + b.stats.conflicts > 1);

      // What both wrote, read by a third system that holds nothing in memory.
      const c = system(kvA, clock);
      let total = 0;
      for (const [ip, n] of sent) {
        const s = await c.get(ip);
        assert.equal(s?.events, n, `events of ${ip}`);
        assert.equal(s?.kinds.login_failed, n, `failed logins of ${ip}`);
        total += n;
      }
      assert.equal(total, [...sent.values()].reduce((x, y) => x + y, 0));
      assert.ok(total > 200);
      // Both instances' batches are marked in the merged state.
      const s1 = await c.get(shared[0]);
      assert.deepEqual(Object.keys(s1!.marks).sort(), ["A", "B"]);
    } finally {
      kvA.close();
      kvB.close();
    }
  });
});

Deno.test("ActorSystem - passivateIdle drops actors idle past idleMs; their state stays readable", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = new FakeClock(T0);
    const sys = system(kv, clock, { idleMs: 60_000 });
    await sys.apply([ev(0, { src_ip: "10.9.0.1" }), ev(1, { src_ip: "10.9.0.2" })], {
      instance: "i",
      batch: 1,
    });
    clock.advance(30_000);
    await sys.apply([ev(2, { src_ip: "10.9.0.2" })], { instance: "i", batch: 2 });
    clock.advance(29_999);
    assert.equal(await sys.passivateIdle(), 0, "not idle for idleMs yet");
    clock.advance(1);
    assert.equal(await sys.passivateIdle(), 1);
    assert.equal(sys.size, 1);
    assert.equal(sys.peek("10.9.0.1"), undefined);
    assert.equal(sys.peek("10.9.0.2")?.events, 2);
    assert.equal((await sys.get("10.9.0.1"))?.events, 1);
    assert.equal(sys.stats.passivated, 1);
    // Re-activated lazily from KV on the next event.
    await sys.apply([ev(3, { src_ip: "10.9.0.1" })], { instance: "i", batch: 3 });
    assert.equal(sys.peek("10.9.0.1")?.events, 2);
    clock.advance(3_600_000);
    assert.equal(await sys.passivateIdle(), 2);
    assert.equal(sys.size, 0);
    assert.equal((await sys.get("10.9.0.1"))?.events, 2);
    assert.equal((await sys.get("10.9.0.2"))?.events, 2);
  } finally {
    kv.close();
  }
});

Deno.test("ActorSystem - never holds more than maxActors in memory after an apply", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = new FakeClock(T0);
    const sys = system(kv, clock, { maxActors: 10 });
    const sent = new Map<string, number>();
    let batch = 0;
    let t = 0;
    const send = async (ips: string[]) => {
      const events = ips.map((ip) => ev(t++, { src_ip: ip, kind: "login_failed", id: `x${t}` }));
      for (const ip of ips) sent.set(ip, (sent.get(ip) ?? 0) + 1);
      await sys.apply(events, { instance: "i", batch: ++batch });
      assert.ok(sys.size <= 10, `${sys.size} actors in memory after batch ${batch}`);
    };
    for (let i = 0; i < 100; i += 7) await send(Array.from({ length: 7 }, (_, k) => `10.1.0.${i + k}`));
    await send(Array.from({ length: 50 }, (_, k) => `10.2.0.${k}`)); // one batch past the cap
    for (let i = 0; i < 30; i++) await send([`10.1.0.${i % 3}`, `10.2.0.${i % 40}`]); // re-activations
    assert.ok(sys.stats.passivated > 0);
    await sys.flush();
    for (const [ip, n] of sent) assert.equal((await sys.get(ip))?.events, n, ip);
  } finally {
    kv.close();
  }
});

Deno.test("ActorSystem - an actor whose delta reaches maxDelta is flushed during apply", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = new FakeClock(T0);
    const sys = system(kv, clock, { maxDelta: 5 });
    const ip = "10.3.0.1";
    await sys.apply(Array.from({ length: 4 }, (_, i) => ev(i, { src_ip: ip })), { instance: "i", batch: 1 });
    assert.equal((await kv.get(keys.actor(ip))).value, null);
    await sys.apply(Array.from({ length: 3 }, (_, i) => ev(10 + i, { src_ip: ip })), {
      instance: "i",
      batch: 2,
    });
    const stored = await kv.get<{ state: { events: number } }>(keys.actor(ip));
    assert.equal(stored.value?.state.events, 7);
  } finally {
    kv.close();
  }
});

Deno.test("ActorSystem - an actor not written for ttlMs reads as absent and starts over", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = new FakeClock(T0);
    const ip = "10.4.0.1";
    const a = system(kv, clock, { ttlMs: 3_600_000 });
    await a.apply([ev(0, { src_ip: ip }), ev(1, { src_ip: ip })], { instance: "i", batch: 1 });
    await a.close();
    clock.advance(3_600_000);
    assert.equal((await a.get(ip))?.events, 2, "still live at exactly ttlMs");
    clock.advance(1);
    assert.equal(await a.get(ip), null);
    const b = system(kv, clock, { ttlMs: 3_600_000 });
    await b.apply([ev(5_000_000, { src_ip: ip })], { instance: "i", batch: 2 });
    const st = await b.flush();
    assert.equal(st.conflicts, 0, "the expired value's versionstamp is kept for the check");
    assert.equal((await b.get(ip))?.events, 1);
  } finally {
    kv.close();
  }
});

Deno.test("ActorSystem - flush hands throttled anomaly updates to onAnomalies, once", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const sys = system(kv, new FakeClock(T0));
    const sent: Anomaly[] = [];
    sys.onAnomalies = (a) => Promise.resolve(void sent.push(...a));
    const raised = await sys.apply(
      Array.from({ length: 7 }, (_, i) => failed(i * 1000)),
      { instance: "i", batch: 1 },
    );
    assert.deepEqual(raised.filter((a) => a.type === "brute_force").map((a) => a.updates), [1]);
    await sys.flush();
    const bf = sent.filter((a) => a.type === "brute_force");
    assert.equal(bf.length, 1);
    assert.equal(bf[0].id, "brute_force-e4000");
    assert.equal(bf[0].updates, 3);
    assert.equal(bf[0].value, 7);
    sent.length = 0;
    await sys.flush();
    assert.deepEqual(sent, []);
  } finally {
    kv.close();
  }
});

Deno.test("ActorSystem - get shows a clean actor as another system on the same KV last wrote it", async () => {
  await withKvFile(async (path) => {
    const clock = new FakeClock(T0 + 60_000);
    const ip = "198.51.100.9";
    const kvA = await Deno.openKv(path);
    const kvB = await Deno.openKv(path);
    try {
      const a = system(kvA, clock);
      const b = system(kvB, clock);
      await a.apply([failed(0, { src_ip: ip, id: "vm1.1.0" })], { instance: "a", batch: 1 });
      await a.flush();
      await b.apply([failed(1000, { src_ip: ip, id: "vm2.1.0" })], { instance: "b", batch: 1 });
      await b.flush(); // conflicts with a's write, re-reads and merges: 2 events in KV
      // a holds the actor in memory, clean but one event behind.
      assert.equal(a.peek(ip)?.events, 1);
      assert.equal((await a.get(ip))?.events, 2);
      // Its next events and flush build on the state it took.
      await a.apply([failed(2000, { src_ip: ip, id: "vm1.2.0" })], { instance: "a", batch: 2 });
      assert.equal((await a.get(ip))?.events, 3, "unflushed events are shown from memory");
      const st = await a.flush();
      assert.equal(st.conflicts, 0);
      assert.equal((await b.get(ip))?.events, 3);
    } finally {
      kvA.close();
      kvB.close();
    }
  });
});

Deno.test("ActorSystem - an actor grown past KV's value limit by long attacker strings is trimmed and flushed", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const clock = new FakeClock(T0);
    const sys = system(kv, clock);
    const big = "198.51.100.77";
    const other = "198.51.100.78";
    // 30 distinct 4 KB usernames and passwords (the parser keeps 4096 characters), two bytes a
    // character past Latin-1: over 64 KiB as stored unless trimmed.
    const events = Array.from({ length: 30 }, (_, i) =>
      ev(i, {
        src_ip: big,
        kind: "login_failed",
        username: `${i}`.padEnd(4096, "ü"),
        password: `${i}`.padEnd(4096, "p"),
      }));
    events.push(ev(31, { src_ip: other, kind: "connect" }));
    await sys.apply(events, { instance: "i", batch: 1 });
    await sys.flush();
    const stored = await kv.get<{ state: { events: number; recent: unknown[] } }>(keys.actor(big));
    assert.equal(stored.value?.state.events, 30, "the big actor is stored with every event counted");
    assert.ok(stored.value!.state.recent.length < 30, "its oldest recent events were dropped to fit");
    assert.equal((await kv.get<{ state: { events: number } }>(keys.actor(other))).value?.state.events, 1);
  } finally {
    kv.close();
  }
});
