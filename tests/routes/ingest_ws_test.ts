import assert from "node:assert/strict";
import type { Anomaly } from "../../lib/schema.ts";
import { failedLogins, readSse, startServer, TOKEN, UplinkClient } from "../_helpers.ts";

Deno.test("ingest WebSocket - brute-force batch raises brute_force on /api/stream; a resent seq is not counted", async () => {
  const srv = await startServer();
  const abort = new AbortController();
  try {
    // Subscribe first, then send: the anomaly must arrive live.
    const sse = readSse(
      `${srv.url}/api/stream?type=brute_force`,
      (evs) => evs.some((e) => e.event === "anomaly"),
      abort.signal,
    );
    await new Promise((r) => setTimeout(r, 50));
    const c = await UplinkClient.connect(srv.wsUrl);
    assert.deepEqual(await c.hello("vm1"), { type: "welcome", acked: 0 });
    const start = Date.parse("2026-11-25T10:00:00Z");
    const events = failedLogins("203.0.113.7", start, 6, 2000);
    assert.deepEqual(await c.batch(1, events), { type: "ack", seq: 1, accepted: 6, rejected: 0 });

    const got = await sse;
    const a = JSON.parse(got.find((e) => e.event === "anomaly")!.data) as Anomaly;
    assert.equal(a.type, "brute_force");
    assert.equal(a.ip, "203.0.113.7");
    assert.equal(a.ts, "2026-11-25T10:00:08.000Z"); // the 5th failure raised it
    assert.equal(a.threshold, 5);
    assert.ok(["medium", "high", "critical"].includes(a.severity));
    assert.ok(a.score > 0 && a.score <= 1);
    assert.match(a.reason, /5 failed logins in 10m/);
    assert.equal(a.evidence.length, 5);
    for (const k of ["id", "type", "ip", "ts", "severity", "score", "reason", "evidence"]) {
      assert.ok(k in a, k);
    }

    // The same seq again: acknowledged as a duplicate and not counted.
    assert.deepEqual(await c.batch(1, events), {
      type: "ack",
      seq: 1,
      accepted: 0,
      rejected: 0,
      duplicate: true,
    });
    await srv.rt.flush();
    const actor = await (await fetch(`${srv.url}/api/actors/203.0.113.7`)).json();
    assert.equal(actor.events, 6);
    assert.equal(actor.features.failed_logins_10m, 6);
    const sensors = await (await fetch(`${srv.url}/api/sensors`)).json();
    assert.equal(sensors.items[0].sensor, "vm1");
    assert.equal(sensors.items[0].events, 6);
    assert.equal(sensors.items[0].lastSeq, 1);
    assert.equal(sensors.items[0].connected, true);

    // A new connection resumes from the stored high-water mark.
    await c.close();
    const c2 = await UplinkClient.connect(srv.wsUrl);
    assert.deepEqual(await c2.hello("vm1"), { type: "welcome", acked: 1 });
    await c2.close();
  } finally {
    abort.abort();
    await srv.close();
  }
});

Deno.test("ingest WebSocket - bad frames get error frames and the connection keeps serving", async () => {
  const srv = await startServer();
  try {
    const c = await UplinkClient.connect(srv.wsUrl);
    c.send({ type: "batch", seq: 1, source: "cowrie", events: [] });
    assert.equal((await c.next((f) => f.type === "error") as { code: string }).code, "hello_required");
    await c.hello("vm1");
    c.send("not json {");
    assert.equal((await c.next((f) => f.type === "error") as { code: string }).code, "bad_frame");
    c.send({ type: "batch", seq: "x", source: "cowrie", events: [] });
    const bad = await c.next((f) => f.type === "error") as { code: string; message: string };
    assert.equal(bad.code, "bad_frame");
    assert.match(bad.message, /seq/);
    c.send({ type: "batch", seq: 2, source: "nope", events: [] });
    assert.equal((await c.next((f) => f.type === "error") as { code: string }).code, "bad_frame");
    const tooMany = Array.from({ length: 401 }, () => ({}));
    c.send({ type: "batch", seq: 3, source: "cowrie", events: tooMany });
    assert.equal((await c.next((f) => f.type === "error") as { code: string }).code, "batch_too_large");
    // Still serving: a good batch with one bad record is acknowledged with the rejection counted.
    const ok = await c.batch(4, [...failedLogins("198.51.100.4", Date.now(), 2), { eventid: 5 }]);
    assert.deepEqual(ok, { type: "ack", seq: 4, accepted: 2, rejected: 1 });
    await c.close();
  } finally {
    await srv.close();
  }
});

Deno.test("ingest WebSocket - a wrong token is refused and the socket closed", async () => {
  const srv = await startServer();
  try {
    const c = await UplinkClient.connect(srv.wsUrl);
    const f = await c.hello("vm1", TOKEN + "x");
    assert.equal(f.type, "error");
    assert.equal((f as { code: string }).code, "unauthorized");
    const closed = await c.closed;
    assert.equal(closed.code, 4401);
    const sensors = await (await fetch(`${srv.url}/api/sensors`)).json();
    assert.equal(sensors.items.length, 0);
  } finally {
    await srv.close();
  }
});

Deno.test("ingest WebSocket - a client without the honeywatch.v1 subprotocol is refused", async () => {
  const srv = await startServer();
  try {
    const res = await fetch(`${srv.url}/ingest`, {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /honeywatch\.v1/);
  } finally {
    await srv.close();
  }
});

Deno.test("subscribe WebSocket - other tools get the same anomaly messages, filtered", async () => {
  const srv = await startServer();
  try {
    const sub = new WebSocket(`${srv.wsUrl}/api/subscribe?type=brute_force&minSeverity=medium`);
    const got = new Promise<{ type: string; data: Anomaly }>((resolve) => {
      sub.onmessage = (e) => {
        const m = JSON.parse(String(e.data));
        if (m.type === "anomaly") resolve(m);
      };
    });
    await new Promise((r) => (sub.onopen = r));
    await new Promise((r) => setTimeout(r, 50));
    const c = await UplinkClient.connect(srv.wsUrl);
    await c.hello("vm2");
    // A port scan (filtered out) and a brute force (wanted).
    const t = Date.now();
    const scan = Array.from({ length: 16 }, (_, i) => ({
      eventid: "cowrie.direct-tcpip.request",
      timestamp: new Date(t + i).toISOString(),
      src_ip: "192.0.2.50",
      dst_ip: "10.0.0.1",
      dst_port: 1000 + i,
      session: "aaaaaaaaaaaa",
    }));
    await c.batch(1, scan);
    await c.batch(2, failedLogins("192.0.2.51", t, 5));
    const m = await got;
    assert.equal(m.data.type, "brute_force");
    assert.equal(m.data.ip, "192.0.2.51");
    await c.close();
    sub.close();
    await new Promise((r) => (sub.onclose = r));
  } finally {
    await srv.close();
  }
});

Deno.test("stream SSE - a client that leaves is unsubscribed; heartbeat comment and retry come first", async () => {
  const srv = await startServer();
  try {
    const ac = new AbortController();
    const res = await fetch(`${srv.url}/api/stream`, { signal: ac.signal });
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    assert.match(first.value ?? "", /^retry: 2000\n: connected\n\n/);
    assert.equal(srv.rt.hub.subscribers, 1);
    ac.abort();
    await reader.cancel().catch(() => {});
    // Disconnects are noticed by the stream's cancel; bounded wait.
    for (let i = 0; i < 100 && srv.rt.hub.subscribers > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(srv.rt.hub.subscribers, 0);
  } finally {
    await srv.close();
  }
});

Deno.test("stream SSE - a bad filter is a 400 with the rule", async () => {
  const srv = await startServer();
  try {
    const res = await fetch(`${srv.url}/api/stream?minSeverity=urgent`);
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /minSeverity.*"urgent".*low, medium, high, critical/);
  } finally {
    await srv.close();
  }
});
