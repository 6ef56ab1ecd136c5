import assert from "node:assert/strict";
import { FakeClock } from "../../lib/clock.ts";
import { loadConfig } from "../../lib/config.ts";
import { startRuntime } from "../../lib/runtime.ts";
import { cowrie, eventually } from "../_helpers.ts";

const MIN = 60_000;
const T0 = Date.parse("2026-11-25T00:00:00Z");

/** Keys in KV by first element. */
async function census(kv: Deno.Kv): Promise<Record<string, number>> {
  const out: Record<string, number> = { total: 0 };
  for await (const e of kv.list({ prefix: [] })) {
    const k = String(e.key[0]);
    out[k] = (out[k] ?? 0) + 1;
    out.total++;
  }
  return out;
}

Deno.test("retention - KV size stays bounded under a constant attack of new IPs", async () => {
  const config = loadConfig(
    [
      "--ingest-token",
      "retention-token",
      "--retention",
      "1h",
      "--sweep-interval",
      "off",
      "--flush-interval",
      "1h",
    ],
    {},
  );
  const kv = await Deno.openKv(":memory:");
  const clock = new FakeClock(T0);
  const rt = await startRuntime(kv, config, clock);
  try {
    // 6 simulated hours; every minute 4 new IPs each try 5 passwords (20 events, 4 brute forces).
    const hourly: Record<string, number>[] = [];
    let beforeLastSweep = 0;
    for (let m = 0; m < 360; m++) {
      clock.set(T0 + m * MIN);
      const records = [];
      for (let k = 0; k < 4; k++) {
        const n = m * 4 + k;
        const ip = `198.18.${n >> 8}.${n & 255}`;
        for (let i = 0; i < 5; i++) {
          records.push(
            cowrie("cowrie.login.failed", ip, T0 + m * MIN + i * 1000, {
              username: "root",
              password: `p${i}`,
            }),
          );
        }
      }
      const r = await rt.pipeline.ingest({ sensor: "vm1", source: "cowrie", records });
      assert.equal(r.accepted, 20);
      if (m % 10 === 9) {
        clock.advance(MIN - 1);
        await rt.flush();
        await rt.actors.passivateIdle();
        if (m === 359) beforeLastSweep = (await census(kv)).total;
        await rt.ops.sweep();
        if (m % 60 === 59) hourly.push(await census(kv));
      }
    }
    const totals = hourly.map((c) => c.total);
    // After the first retention period the store stops growing: hours 2..6 hold about the same.
    for (const t of totals.slice(1)) {
      assert.ok(t <= totals[1] * 1.1, `hourly key counts ${totals} grew past hour 2`);
    }
    const last = hourly.at(-1)!;
    // At most 1h (+ one 10-minute sweep period) of events: a block per batch (one a minute)
    // and one per IP in it (4 a minute).
    assert.ok(last.evb <= 70 && last.evb_ip <= 70 * 4, JSON.stringify(last));
    let kept = 0;
    for await (const e of kv.list<{ events: unknown[] }>({ prefix: ["evb"] })) kept += e.value.events.length;
    assert.ok(kept >= 60 * 20, `the last hour of events is kept (${kept})`);
    // Anomalies (3 keys each) and actors of the same span.
    assert.ok(last.an <= 70 * 4, JSON.stringify(last));
    assert.ok(last.actor <= 70 * 4 + 40, JSON.stringify(last));
    // Without the sweep the store would have kept growing: local KV expires on wall-clock time.
    assert.ok(beforeLastSweep > last.total, `${beforeLastSweep} before the sweep, ${last.total} after`);
    // 6 hours of attack: 7200 events, 1440 actors, 1440 anomalies were written in all.
    assert.ok(last.total < 7200, `${last.total} keys left of far more written`);
    const metrics = await rt.ops.metrics.render();
    assert.match(metrics, /^honeywatch_retention_deleted_total\{kind="event"\} \d{4,}$/m);
    assert.match(metrics, /^honeywatch_actors_stored \d+$/m);
  } finally {
    await rt.close();
    kv.close();
  }
});

Deno.test("retention - an anomaly still being updated outlives its raise time", async () => {
  const config = loadConfig([
    "--ingest-token",
    "retention-token",
    "--retention",
    "1h",
    "--sweep-interval",
    "off",
  ], {});
  const kv = await Deno.openKv(":memory:");
  const clock = new FakeClock(T0);
  const rt = await startRuntime(kv, config, clock);
  try {
    // One slow, steady attacker: a failure every 2 minutes for 3 hours keeps one brute force open.
    for (let m = 0; m <= 180; m += 2) {
      clock.set(T0 + m * MIN);
      await rt.pipeline.ingest({
        sensor: "vm1",
        source: "cowrie",
        records: [
          cowrie("cowrie.login.failed", "198.19.0.1", T0 + m * MIN, { username: "root", password: `x${m}` }),
        ],
      });
    }
    await rt.flush();
    const r = await rt.ops.sweep();
    assert.ok(r.events > 0, "old events of the attacker were deleted");
    let open = 0;
    for await (const e of kv.list<{ lastTs: string }>({ prefix: ["an"] })) {
      if (Date.parse(e.value.lastTs) >= clock.now() - 3_600_000) open++;
    }
    assert.ok(open >= 1, "the anomaly updated within the hour is kept");
  } finally {
    await rt.close();
    kv.close();
  }
});

Deno.test("retention - the periodic sweep runs on its own every --sweep-interval", async () => {
  const config = loadConfig(
    ["--ingest-token", "retention-token", "--retention", "1h", "--sweep-interval", "100ms"],
    {},
  );
  const kv = await Deno.openKv(":memory:");
  const clock = new FakeClock(T0);
  const rt = await startRuntime(kv, config, clock);
  try {
    await rt.pipeline.ingest({
      sensor: "vm1",
      source: "cowrie",
      records: [cowrie("cowrie.session.connect", "198.19.1.1", T0)],
    });
    assert.equal((await census(kv)).evb, 1);
    clock.set(T0 + 2 * 3_600_000);
    await eventually(async () => (await census(kv)).evb === undefined);
    assert.match(await rt.ops.metrics.render(), /^honeywatch_retention_deleted_total\{kind="event"\} 1$/m);
  } finally {
    await rt.close();
    kv.close();
  }
});
