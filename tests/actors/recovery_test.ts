/**
 * Crash recovery through `startRuntime`: a runtime that ingested but never flushed is
 * abandoned as if killed (its timers stopped, nothing flushed, its KV handle dropped), and
 * the next runtime on the same KV file re-applies its pending batches exactly once.
 */
import assert from "node:assert/strict";
import { keys } from "../../actors/keys.ts";
import { ActorSystem } from "../../actors/system.ts";
import { FakeClock } from "../../lib/clock.ts";
import { loadConfig } from "../../lib/config.ts";
import { buildDetectors } from "../../lib/detectors/registry.ts";
import { Hub } from "../../lib/hub.ts";
import { Pipeline } from "../../lib/pipeline.ts";
import { recoverPending } from "../../lib/recovery.ts";
import { type Runtime, type RuntimeConfig, startRuntime } from "../../lib/runtime.ts";
import { T0 } from "./_events.ts";

// Never flushed within a test: state stays unflushed until we say.
const config: RuntimeConfig = loadConfig(
  ["--ingest-token", "test-token", "--flush-interval", "1h", "--max-actors", "10000", "--idle-after", "1h"],
  {},
);

/**
 * Start a runtime and return it with a `kill` that stops its timers without flushing or
 * closing anything: what `kill -9` leaves behind in KV.
 */
async function start(kv: Deno.Kv, clock: FakeClock): Promise<{ rt: Runtime; kill: () => void }> {
  const timers: ReturnType<typeof setInterval>[] = [];
  const original = globalThis.setInterval;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const id = original(...args);
    timers.push(id);
    return id;
  }) as typeof setInterval;
  let rt: Runtime;
  try {
    rt = await startRuntime(kv, config, clock);
  } finally {
    globalThis.setInterval = original;
  }
  return { rt, kill: () => timers.forEach(clearInterval) };
}

async function withKvFile(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "honeywatch_recovery_test_" });
  try {
    await fn(`${dir}/kv.sqlite3`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `n` Cowrie failed-login lines from `ip`, one a second from `T0 + startS` s. */
function failures(ip: string, n: number, startS: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      eventid: "cowrie.login.failed",
      timestamp: new Date(T0 + (startS + i) * 1000).toISOString(),
      src_ip: ip,
      session: "a1b2c3d4",
      username: "root",
      password: `pw${i}`,
    }));
}

async function pendingKeys(kv: Deno.Kv): Promise<Deno.KvKey[]> {
  const out: Deno.KvKey[] = [];
  for await (const e of kv.list({ prefix: keys.pendingPrefix() })) out.push(e.key);
  return out;
}

Deno.test("startRuntime - recovers a killed instance's unflushed events exactly once", async () => {
  await withKvFile(async (path) => {
    const ip = "198.51.100.20";
    const other = "198.51.100.21";
    // First instance: three batches ingested, nothing flushed, then killed.
    let kv = await Deno.openKv(path);
    const first = await start(kv, new FakeClock(T0 + 60_000));
    try {
      const b1 = await first.rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        seq: 1,
        records: failures(ip, 4, 0),
      });
      assert.equal(b1.accepted, 4);
      await first.rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        seq: 2,
        records: failures(ip, 8, 4),
      });
      await first.rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        seq: 3,
        records: [...failures(ip, 3, 12), ...failures(other, 2, 12)],
      });
      assert.equal(first.rt.actors.peek(ip)?.events, 15);
      assert.equal((await kv.get(keys.actor(ip))).value, null, "nothing flushed yet");
      assert.equal((await pendingKeys(kv)).length, 3);
    } finally {
      first.kill();
      kv.close();
    }

    // Second instance, more than 30 s later by its clock: the first looks dead.
    kv = await Deno.openKv(path);
    const second = await start(kv, new FakeClock(T0 + 60_000 + 31_000));
    try {
      const s = await second.rt.actors.get(ip);
      assert.equal(s?.events, 15, "recovered, not doubled");
      assert.equal(s?.kinds.login_failed, 15);
      assert.equal((await second.rt.actors.get(other))?.events, 2);
      assert.equal(s?.open.brute_force?.id, "brute_force-vm1.2.0"); // 5th failure: seq 2, record 0
      assert.deepEqual(await pendingKeys(kv), []);
      assert.equal((await kv.get(keys.instance(first.rt.instance))).value, null);
      const stored = await kv.get<{ state: { events: number } }>(keys.actor(ip));
      assert.equal(stored.value?.state.events, 15, "recovery flushed the actor");
      assert.ok((await kv.get(keys.anomaly("brute_force-vm1.2.0"))).value, "the anomaly was stored");
    } finally {
      second.kill();
      kv.close();
    }

    // Third instance: nothing left to recover, nothing counted twice.
    kv = await Deno.openKv(path);
    const third = await start(kv, new FakeClock(T0 + 60_000 + 62_000));
    try {
      assert.equal((await third.rt.actors.get(ip))?.events, 15);
      assert.equal((await third.rt.actors.get(other))?.events, 2);
      // A resent batch is recognised by its seq and not counted again.
      const again = await third.rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        seq: 3,
        records: failures(ip, 3, 12),
      });
      assert.equal(again.duplicate, true);
      await third.rt.close();
      assert.equal((await third.rt.actors.get(ip))?.events, 15);
    } finally {
      third.kill();
      kv.close();
    }
  });
});

Deno.test("startRuntime - skips pending batches the stored actor already holds", async () => {
  await withKvFile(async (path) => {
    const ip = "198.51.100.30";
    let kv = await Deno.openKv(path);
    const first = await start(kv, new FakeClock(T0));
    let instance: string;
    try {
      instance = first.rt.instance;
      await first.rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        seq: 1,
        records: failures(ip, 3, 0),
      });
      await first.rt.flush(); // state and pending marker of batch 1 settled
      await first.rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        seq: 2,
        records: failures(ip, 4, 3),
      });
      // Killed between the actor flush and the clearing of the pending marker.
      await first.rt.actors.flush();
      await first.rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        seq: 3,
        records: failures(ip, 5, 7),
      });
      assert.equal((await pendingKeys(kv)).length, 2);
    } finally {
      first.kill();
      kv.close();
    }

    // The old instance is dead because its liveness stamp is gone, whatever the clock says.
    kv = await Deno.openKv(path);
    await kv.delete(keys.instance(instance));
    const second = await start(kv, new FakeClock(T0 + 1000));
    try {
      assert.equal((await second.rt.actors.get(ip))?.events, 12);
      assert.deepEqual(await pendingKeys(kv), []);
      await second.rt.close();
    } finally {
      second.kill();
      kv.close();
    }
  });
});

Deno.test("startRuntime - leaves a live instance's pending batches alone", async () => {
  await withKvFile(async (path) => {
    const ip = "198.51.100.40";
    const kv1 = await Deno.openKv(path);
    const kv2 = await Deno.openKv(path);
    const first = await start(kv1, new FakeClock(T0));
    let second: Awaited<ReturnType<typeof start>> | undefined;
    try {
      await first.rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        seq: 1,
        records: failures(ip, 6, 0),
      });
      // 10 s later the first instance's stamp is fresh: it is alive and owns its batches.
      second = await start(kv2, new FakeClock(T0 + 10_000));
      assert.equal(await second.rt.actors.get(ip), null);
      assert.equal((await pendingKeys(kv2)).length, 1);
      // When the first instance flushes, the other one sees the state.
      await first.rt.close();
      assert.deepEqual(await pendingKeys(kv2), []);
      assert.equal((await second.rt.actors.get(ip))?.events, 6);
      await second.rt.close();
    } finally {
      first.kill();
      second?.kill();
      kv1.close();
      kv2.close();
    }
  });
});

Deno.test("startRuntime - two instances recovering the same dead one at once do not double it", async () => {
  await withKvFile(async (path) => {
    const ips = ["198.51.100.60", "198.51.100.61", "198.51.100.62"];
    let kv = await Deno.openKv(path);
    const dead = await start(kv, new FakeClock(T0));
    try {
      for (let seq = 1; seq <= 6; seq++) {
        const records = ips.flatMap((ip, k) => failures(ip, seq + k, seq * 100));
        await dead.rt.pipeline.ingest({ sensor: "vm1", source: "cowrie", seq, records });
      }
    } finally {
      dead.kill();
      kv.close();
    }
    // Events per IP: sum over seq 1..6 of (seq + k).
    const sent = ips.map((_, k) => 21 + 6 * k);

    const kvA = await Deno.openKv(path);
    const kvB = await Deno.openKv(path);
    const started: Awaited<ReturnType<typeof start>>[] = [];
    try {
      const clock = new FakeClock(T0 + 60_000);
      started.push(...await Promise.all([start(kvA, clock), start(kvB, clock)]));
      for (const rt of started) await rt.rt.close();
      kv = await Deno.openKv(path);
      try {
        const check = await start(kv, new FakeClock(T0 + 120_000));
        try {
          for (const [k, ip] of ips.entries()) {
            assert.equal((await check.rt.actors.get(ip))?.events, sent[k], ip);
          }
          assert.deepEqual(await pendingKeys(kv), []);
          await check.rt.close();
        } finally {
          check.kill();
        }
      } finally {
        kv.close();
      }
    } finally {
      for (const s of started) s.kill();
      kvA.close();
      kvB.close();
    }
  });
});

Deno.test("recoverPending - of two starters at once, one claims a dead instance and re-applies it", async () => {
  await withKvFile(async (path) => {
    const ip = "198.51.100.70";
    const kv = await Deno.openKv(path);
    const dead = await start(kv, new FakeClock(T0));
    try {
      for (let seq = 1; seq <= 3; seq++) {
        await dead.rt.pipeline.ingest({
          sensor: "vm1",
          source: "cowrie",
          seq,
          records: failures(ip, 4, seq * 100),
        });
      }
    } finally {
      dead.kill();
      kv.close();
    }
    const kvA = await Deno.openKv(path);
    const kvB = await Deno.openKv(path);
    try {
      const clock = new FakeClock(T0 + 60_000);
      const pipeline = (kv: Deno.Kv, instance: string) =>
        new Pipeline({
          kv,
          clock,
          actors: new ActorSystem(kv, { clock, detectors: buildDetectors() }),
          hub: new Hub(),
          instance,
          retentionMs: 86_400_000,
        });
      const counts = await Promise.all([
        recoverPending(kvA, pipeline(kvA, "a"), "a", clock),
        recoverPending(kvB, pipeline(kvB, "b"), "b", clock),
      ]);
      assert.deepEqual(counts.toSorted(), [0, 12], "one re-applied all 12 events, the other none");
      assert.deepEqual(await pendingKeys(kvA), []);
      assert.equal((await kvA.get(keys.recoveryClaim(dead.rt.instance))).value, null, "the claim is gone");
    } finally {
      kvA.close();
      kvB.close();
    }
  });
});

/**
 * A KV handle whose reads of one sensor's dedup mark wait until `release()`: holds that
 * sensor's batch in `storeBatch` while later batches go ahead.
 */
function holdSensor(kv: Deno.Kv, sensor: string): { kv: Deno.Kv; release: () => void } {
  const gate = Promise.withResolvers<void>();
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "get") {
        return async (key: Deno.KvKey, options?: { consistency?: Deno.KvConsistencyLevel }) => {
          if (key[0] === "sensor_seq" && key[1] === sensor) await gate.promise;
          return target.get(key, options);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { kv: proxy, release: () => gate.resolve() };
}

// Regression: concurrent batches once reached `actors.apply` out of order; after a flush stored
// the later batch's mark in an actor, the earlier batch was taken as "already applied" and its
// events dropped. Batches now reach the actors in the order of their numbers.
Deno.test("Pipeline - a batch applied after a later one was flushed is not lost", async () => {
  const base = await Deno.openKv(":memory:");
  try {
    const { kv, release } = holdSensor(base, "slow");
    const clock = new FakeClock(T0 + 60_000);
    const actors = new ActorSystem(kv, { clock, detectors: buildDetectors() });
    const pipeline = new Pipeline({
      kv,
      clock,
      actors,
      hub: new Hub(),
      instance: "i1",
      retentionMs: 86_400_000,
    });
    const ip = "198.51.100.50";
    // Batch 1 (sensor "slow") is held in storeBatch; batch 2 (sensor "fast") goes through.
    const first = pipeline.ingest({ sensor: "slow", source: "cowrie", seq: 1, records: failures(ip, 6, 0) });
    const secondP = pipeline.ingest({
      sensor: "fast",
      source: "cowrie",
      seq: 1,
      records: failures(ip, 1, 10),
    });
    // Batch 2 is stored but waits for batch 1; a timer flush meanwhile must not let it jump ahead.
    await new Promise((r) => setTimeout(r, 20));
    await pipeline.flush();
    release();
    const second = await secondP;
    assert.equal(second.accepted, 1);
    assert.equal((await first).accepted, 6);
    await pipeline.flush();
    assert.equal((await actors.get(ip))?.events, 7, "6 events of batch 1 + 1 of batch 2");
  } finally {
    base.close();
  }
});

Deno.test("startRuntime - recovers a pending batch left by a server from before the block layout", async () => {
  await withKvFile(async (path) => {
    const ip = "198.51.100.40";
    let kv = await Deno.openKv(path);
    // What such a server left: one key per event and a marker naming them.
    const events = Array.from({ length: 6 }, (_, i) => ({
      id: `vm1.1.${i}`,
      ts: T0 + i * 1000,
      sensor: "vm1",
      source: "cowrie",
      kind: "login_failed",
      src_ip: ip,
      username: "root",
      password: `p${i}`,
    }));
    const op = kv.atomic();
    for (const e of events) op.set(keys.legacyEvent(e.ts, e.id), e);
    op.set(keys.pending("old-instance", 1), { events: events.map((e) => [e.ts, e.id]) });
    await op.commit();
    kv.close();

    kv = await Deno.openKv(path);
    const rt = (await start(kv, new FakeClock(T0 + 120_000))).rt;
    try {
      assert.equal((await rt.actors.get(ip))?.events, 6, "the old batch is re-applied");
    } finally {
      await rt.close();
      kv.close();
    }
  });
});
