import assert from "node:assert/strict";
import { failedLogins, startServer, UplinkClient } from "../_helpers.ts";

const T0 = Date.parse("2026-11-25T10:00:00Z");

Deno.test("restart on the same KV file - actor state, anomalies and the dedup mark survive", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/hw.kv`;
  try {
    const a = await startServer({ kvPath });
    const c = await UplinkClient.connect(a.wsUrl);
    await c.hello("vm1");
    await c.batch(1, failedLogins("203.0.113.30", T0, 6, 1000));
    await c.close();
    await a.close();

    const b = await startServer({ kvPath });
    try {
      const actor = await (await b.app.request("/api/actors/203.0.113.30")).json();
      assert.equal(actor.events, 6);
      assert.equal(actor.features.failed_logins_10m, 6);
      assert.equal(actor.openAnomalies.length, 1);
      const list = await (await b.app.request("/api/anomalies")).json();
      assert.equal(list.items.length, 1);
      assert.equal(list.items[0].type, "brute_force");
      // The collector resumes where it was; a resent batch is still a duplicate.
      const c2 = await UplinkClient.connect(b.wsUrl);
      assert.deepEqual(await c2.hello("vm1"), { type: "welcome", acked: 1 });
      const dup = await c2.batch(1, failedLogins("203.0.113.30", T0, 6, 1000));
      assert.equal((dup as { duplicate?: boolean }).duplicate, true);
      // More failures after the restart update the same open anomaly rather than open a new one.
      await c2.batch(2, failedLogins("203.0.113.30", T0 + 60_000, 4, 1000));
      await c2.close();
      await b.rt.flush();
      const after = await (await b.app.request("/api/actors/203.0.113.30")).json();
      assert.equal(after.events, 10);
      const list2 = await (await b.app.request("/api/anomalies")).json();
      assert.equal(list2.items.length, 1);
      assert.equal(list2.items[0].value, 10);
    } finally {
      await b.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two app instances on one KV file - concurrent overlapping IPs lose no update", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/hw.kv`;
  const a = await startServer({ kvPath });
  const b = await startServer({ kvPath });
  try {
    const ips = Array.from({ length: 20 }, (_, i) => `198.51.100.${i + 1}`);
    const sent = new Map<string, number>();
    const feed = async (srv: typeof a, sensor: string, rounds: number) => {
      const c = await UplinkClient.connect(srv.wsUrl);
      await c.hello(sensor);
      for (let r = 1; r <= rounds; r++) {
        const batch = ips.flatMap((ip, k) => {
          const n = 1 + ((r + k) % 3);
          sent.set(ip, (sent.get(ip) ?? 0) + n);
          return failedLogins(ip, T0 + r * 1000 + k, n, 10);
        });
        const ack = await c.batch(r, batch);
        assert.equal(ack.type, "ack");
        // Flush often on both sides so their write-behind commits interleave and conflict.
        if (r % 2 === 0) await srv.rt.flush();
      }
      await c.close();
    };
    await Promise.all([feed(a, "vm-a", 30), feed(b, "vm-b", 30)]);
    await Promise.all([a.rt.flush(), b.rt.flush()]);
    await a.rt.flush();
    const conflicts = a.rt.actors.stats.conflicts + b.rt.actors.stats.conflicts;
    // Read through a third instance so neither one's memory answers.
    await a.close();
    await b.close();
    const check = await startServer({ kvPath });
    try {
      for (const ip of ips) {
        const actor = await (await check.app.request(`/api/actors/${ip}`)).json();
        assert.equal(actor.events, sent.get(ip), ip);
      }
      const sensors = await (await check.app.request("/api/sensors")).json();
      const total = [...sent.values()].reduce((x, y) => x + y, 0);
      assert.equal(sensors.items.reduce((s: number, x: { events: number }) => s + x.events, 0), total);
      assert.ok(conflicts > 0, "the two instances never conflicted, so the merge path was not exercised");
    } finally {
      await check.close();
    }
  } finally {
    await a.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
