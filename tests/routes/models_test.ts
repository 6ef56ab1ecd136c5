import assert from "node:assert/strict";
import { upsertAnomalies } from "../../lib/anomaly_store.ts";
import { FakeClock } from "../../lib/clock.ts";
import { loadConfig } from "../../lib/config.ts";
import { startRuntime } from "../../lib/runtime.ts";
import type { Anomaly } from "../../lib/schema.ts";
import { createApp } from "../../routes/mod.ts";
import { labelledReplay, START } from "../lib/online/_replay.ts";

const config = loadConfig(["--ingest-token", "test-token-123456", "--flush-interval", "1h"], {});

async function feed(rt: Awaited<ReturnType<typeof startRuntime>>, clock: FakeClock, records: unknown[]) {
  for (let i = 0; i < records.length; i += 100) {
    const r = await rt.pipeline.ingest({
      sensor: "vm1",
      source: "cowrie",
      records: records.slice(i, i + 100),
    });
    if (r.latestTs !== null) clock.set(r.latestTs);
  }
}

function post(app: ReturnType<typeof createApp>, path: string, body: unknown) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

Deno.test("online models - a restart restores learning from the KV checkpoint", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const { records } = await labelledReplay(3_000, 10, []);
  try {
    let kv = await Deno.openKv(path);
    const clock = new FakeClock(START);
    let rt = await startRuntime(kv, config, clock);
    await feed(rt, clock, records.slice(0, 2_000));
    const learnt = rt.models.unusual.learnt;
    const minutes = rt.models.spike.series.get("*")!.completed;
    assert.ok(learnt > 100 && minutes >= 2, `learnt ${learnt}, minutes ${minutes}`);
    const state = JSON.stringify(rt.models.toJSON());
    await rt.close();
    kv.close();

    kv = await Deno.openKv(path);
    rt = await startRuntime(kv, config, clock);
    assert.equal(rt.models.restoredAt, clock.now(), "restored from the checkpoint written on close");
    assert.equal(JSON.stringify(rt.models.toJSON()), state);
    await feed(rt, clock, records.slice(2_000));
    assert.ok(rt.models.unusual.learnt > learnt, "learning went on from where it stopped");
    assert.ok(rt.models.spike.series.get("*")!.completed > minutes);
    await rt.close();
    kv.close();
  } finally {
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("POST /api/predict - scores a feature vector or a raw event per detector, without learning", async () => {
  const kv = await Deno.openKv(":memory:");
  const clock = new FakeClock(START);
  const rt = await startRuntime(kv, config, clock);
  try {
    const app = createApp(rt);
    const { records } = await labelledReplay(1_500, 10, []);
    await feed(rt, clock, records);
    const before = JSON.stringify(rt.models.toJSON());

    const r1 = await post(app, "/api/predict", {
      features: { failed_logins_30s: 40, distinct_passwords: 30 },
    });
    assert.equal(r1.status, 200);
    const b1 = await r1.json();
    assert.equal(b1.input, "features");
    assert.equal(b1.learnt, false);
    assert.equal(typeof b1.scores.unusual.score, "number");
    assert.equal(typeof b1.scores.unusual.threshold, "number");
    assert.equal(b1.scores.unusual.top[0].feature, "failed_logins_30s");

    const event = {
      eventid: "cowrie.login.failed",
      src_ip: "203.0.113.200",
      username: "root",
      password: "x",
      timestamp: new Date(clock.now()).toISOString(),
      session: "abc",
      sensor: "vm1",
    };
    const r2 = await post(app, "/api/predict", { event, source: "cowrie" });
    assert.equal(r2.status, 200);
    const b2 = await r2.json();
    assert.equal(b2.input, "event");
    assert.equal(b2.event.kind, "login_failed");
    assert.equal(b2.features.failed_logins_30s, 1);
    for (const d of ["unusual", "traffic_spike", "brute_force", "port_scan"]) assert.ok(d in b2.scores, d);
    assert.equal(b2.scores.brute_force.fired, false);
    // A tty log's hash is no download (the live path's rule); a never-seen download hash is news.
    const hash = "a".repeat(64);
    const closed = { ...event, eventid: "cowrie.log.closed", ttylog: "var/lib/cowrie/tty/x", shasum: hash };
    const b3 = await (await post(app, "/api/predict", { event: closed, source: "cowrie" })).json();
    assert.equal(b3.event.kind, "log_closed");
    assert.equal(b3.features.new_hashes, 0);
    const download = { ...event, eventid: "cowrie.session.file_download", url: "http://x/y", shasum: hash };
    const b4 = await (await post(app, "/api/predict", { event: download, source: "cowrie" })).json();
    assert.equal(b4.event.kind, "download");
    assert.equal(b4.features.new_hashes, 1);
    assert.equal(JSON.stringify(rt.models.toJSON()), before, "predict changed the models");
    assert.equal(await rt.actors.get("203.0.113.200"), null, "predict created an actor");

    const bad = await post(app, "/api/predict", { features: { x: "high" } });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).message, /features/);
  } finally {
    await rt.close();
    kv.close();
  }
});

Deno.test("POST /api/update - feedback moves the detector's threshold and the response says how", async () => {
  const kv = await Deno.openKv(":memory:");
  const clock = new FakeClock(START);
  const rt = await startRuntime(kv, config, clock);
  try {
    const app = createApp(rt);
    const base: Omit<Anomaly, "id" | "type" | "detector" | "ip"> = {
      ts: new Date(START).toISOString(),
      lastTs: new Date(START).toISOString(),
      severity: "medium",
      score: 0.6,
      reason: "test",
      window: { ms: 60_000, label: "1m" },
      threshold: 6,
      value: 7,
      features: {},
      evidence: [],
      updates: 1,
      status: "open",
    };
    await upsertAnomalies(kv, [
      { ...base, id: "ts-1", type: "traffic_spike", detector: "traffic_spike", ip: "*" },
      { ...base, id: "un-1", type: "unusual", detector: "unusual", ip: "198.51.100.7" },
    ], 60_000);

    const r1 = await post(app, "/api/update", { anomalyId: "ts-1", label: "false_positive" });
    assert.equal(r1.status, 200);
    const b1 = await r1.json();
    assert.deepEqual(b1.change.threshold, { before: 6, after: 6.5 });
    assert.equal(rt.models.spike.margin, 0.5);

    const r2 = await post(app, "/api/update", { anomalyId: "un-1", label: "false_positive" });
    const b2 = await r2.json();
    assert.equal(b2.change.allowlisted, "198.51.100.7");
    assert.ok(rt.models.unusual.allow.has("198.51.100.7"));
    assert.match(b2.change.changed, /allowlisted/);

    const page = await app.request("/models");
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Half-Space Trees/);
    assert.match(html, /<td>traffic_spike<\/td><td>0<\/td><td>1<\/td>/);
  } finally {
    await rt.close();
    kv.close();
  }
});
