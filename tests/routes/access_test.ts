import assert from "node:assert/strict";
import { FakeClock } from "../../lib/clock.ts";
import { failedLogins, startServer, TOKEN, UplinkClient } from "../_helpers.ts";

const READ = "read-token-0123456789";
const ADMIN = "admin-token-0123456789";
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n");

Deno.test("access - read and admin roles guard the API once tokens are set; probes stay public", async () => {
  const srv = await startServer({ args: ["--read-token", READ, "--admin-token", ADMIN] });
  try {
    const r401 = await srv.app.request("/api/anomalies");
    assert.equal(r401.status, 401);
    assert.equal(r401.headers.get("www-authenticate"), 'Bearer realm="honeywatch"');
    assert.equal((await r401.json()).error, "unauthorized");
    assert.equal(
      (await srv.app.request("/api/anomalies", { headers: bearer("wrong-token-0123456") })).status,
      401,
    );
    assert.equal((await srv.app.request("/api/anomalies", { headers: bearer(READ) })).status, 200);
    assert.equal((await srv.app.request("/api/export/events.csv", { headers: bearer(ADMIN) })).status, 200);
    assert.equal((await srv.app.request("/api/blocklist.txt")).status, 401);
    assert.equal((await srv.app.request("/api/stream")).status, 401);
    for (const p of ["/api/health", "/api/ready", "/api/openapi.json"]) {
      assert.equal((await srv.app.request(p)).status, 200, p);
    }
    // Feedback changes state: admin only.
    const fb = { method: "POST", body: JSON.stringify({ anomalyId: "x", label: "true_positive" }) };
    assert.equal((await srv.app.request("/api/update", { ...fb, headers: bearer(READ) })).status, 401);
    assert.equal((await srv.app.request("/api/update", { ...fb, headers: bearer(ADMIN) })).status, 404);
    assert.equal((await srv.app.request("/api/admin/tokens", { headers: bearer(READ) })).status, 401);
    assert.equal((await srv.app.request("/api/admin/tokens", { headers: bearer(ADMIN) })).status, 200);
  } finally {
    await srv.close();
  }
});

Deno.test("access - with no tokens the API is open but token management is off", async () => {
  const srv = await startServer();
  try {
    assert.equal((await srv.app.request("/api/anomalies")).status, 200);
    const off = await srv.app.request("/api/admin/tokens/vm1", { method: "POST" });
    assert.equal(off.status, 403);
    assert.match((await off.json()).message, /--admin-token/);
  } finally {
    await srv.close();
  }
});

Deno.test("access - per-sensor tokens: bound to the sensor, global token kept, revocation cuts HTTP and WebSocket", async () => {
  const srv = await startServer({ args: ["--admin-token", ADMIN] });
  let up: UplinkClient | null = null;
  try {
    const issued = await srv.app.request("/api/admin/tokens/vm1", { method: "POST", headers: bearer(ADMIN) });
    assert.equal(issued.status, 201);
    const { token } = await issued.json();
    const listed = await (await srv.app.request("/api/admin/tokens", { headers: bearer(ADMIN) })).json();
    assert.deepEqual(listed.items.map((i: { sensor: string }) => i.sensor), ["vm1"]);
    assert.ok(!JSON.stringify(listed).includes(token));

    const post = (sensor: string, t: string) =>
      srv.app.request(`/api/ingest?sensor=${sensor}`, {
        method: "POST",
        headers: bearer(t),
        body: ndjson(failedLogins("192.0.2.9", Date.now(), 1)),
      });
    assert.equal((await post("vm1", token)).status, 200);
    assert.equal((await post("vm2", token)).status, 401, "stolen vm1 token cannot speak for vm2");
    assert.equal((await post("vm2", TOKEN)).status, 200, "the global --ingest-token still works");

    up = await UplinkClient.connect(srv.wsUrl);
    assert.equal((await up.hello("vm1", token)).type, "welcome");
    assert.equal((await up.batch(1, failedLogins("192.0.2.10", Date.now(), 2))).type, "ack");

    const revoked = await srv.app.request("/api/admin/tokens/vm1", {
      method: "DELETE",
      headers: bearer(ADMIN),
    });
    assert.equal(revoked.status, 200);
    assert.equal((await post("vm1", token)).status, 401);
    const refused = await up.batch(2, failedLogins("192.0.2.10", Date.now(), 2));
    assert.equal(refused.type, "error");
    assert.equal(refused.type === "error" && refused.code, "unauthorized");
    assert.equal((await up.closed).code, 4401);
  } finally {
    await up?.close();
    await srv.close();
  }
});

Deno.test("access - a sensor over its event rate gets 429 with Retry-After, or rate_limited and a close", async () => {
  const clock = new FakeClock(Date.parse("2026-11-25T10:00:00Z"));
  const srv = await startServer({ clock, args: ["--rate-limit-sensor", "10"] }); // burst 100
  let up: UplinkClient | null = null;
  try {
    const post = (n: number) =>
      srv.app.request("/api/ingest?sensor=busy", {
        method: "POST",
        headers: bearer(TOKEN),
        body: ndjson(failedLogins("192.0.2.20", clock.now(), n)),
      });
    assert.equal((await post(80)).status, 200);
    const limited = await post(80);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "6");
    assert.equal((await limited.json()).error, "rate_limited");
    clock.advance(6000);
    assert.equal((await post(80)).status, 200, "the bucket refills with time");

    up = await UplinkClient.connect(srv.wsUrl);
    assert.equal((await up.hello("busy")).type, "welcome");
    const f = await up.batch(1, failedLogins("192.0.2.21", clock.now(), 90));
    assert.equal(f.type === "error" && f.code, "rate_limited");
    assert.equal((await up.closed).code, 4429);
  } finally {
    await up?.close();
    await srv.close();
  }
});

Deno.test("access - per-client-IP rate limit on a real socket answers 429 with Retry-After", async () => {
  const srv = await startServer({ args: ["--rate-limit-ip", "1"] }); // burst 10
  try {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${srv.url}/api/health`);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
      await res.body?.cancel();
    }
    assert.ok(statuses.slice(0, 10).every((s) => s === 200), statuses.join(","));
    assert.equal(statuses.at(-1), 429);
    assert.equal(retryAfter, "1");
  } finally {
    await srv.close();
  }
});

Deno.test("access - body and frame size limits are configurable", async () => {
  const srv = await startServer({ args: ["--max-body-bytes", "2048", "--max-frame-bytes", "4096"] });
  let up: UplinkClient | null = null;
  try {
    const big = ndjson(failedLogins("192.0.2.30", Date.now(), 40));
    assert.ok(big.length > 4096);
    const res = await srv.app.request("/api/ingest?sensor=s1", {
      method: "POST",
      headers: bearer(TOKEN),
      body: big,
    });
    assert.equal(res.status, 413);
    assert.match((await res.json()).message, /2048/);
    up = await UplinkClient.connect(srv.wsUrl);
    await up.hello("s1");
    up.send({ type: "batch", seq: 1, source: "cowrie", events: failedLogins("192.0.2.30", Date.now(), 40) });
    const f = await up.next((x) => x.type !== "welcome");
    assert.equal(f.type === "error" && f.code, "batch_too_large");
  } finally {
    await up?.close();
    await srv.close();
  }
});

Deno.test("access - security headers on pages and API answers", async () => {
  const srv = await startServer();
  try {
    for (const p of ["/", "/api/health", "/api/nope"]) {
      const res = await srv.app.request(p);
      await res.body?.cancel();
      assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/, p);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("x-frame-options"), "DENY");
    }
  } finally {
    await srv.close();
  }
});

Deno.test("access - a UI login reads and gives feedback, but cannot manage tokens", async () => {
  const UI = "ui-token-0123456789ab";
  const srv = await startServer({ args: ["--ui-token", UI, "--read-token", READ, "--admin-token", ADMIN] });
  try {
    assert.equal((await srv.app.request("/api/anomalies", { headers: bearer(UI) })).status, 200);
    const fb = { method: "POST", body: JSON.stringify({ anomalyId: "x", label: "true_positive" }) };
    assert.equal((await srv.app.request("/api/update", { ...fb, headers: bearer(UI) })).status, 404);
    assert.equal((await srv.app.request("/api/admin/tokens", { headers: bearer(UI) })).status, 401);
  } finally {
    await srv.close();
  }
});

Deno.test("access - a WebSocket that never says hello is closed (4408)", async () => {
  const srv = await startServer({ args: ["--ws-idle-timeout", "1s"] });
  let up: UplinkClient | null = null;
  try {
    up = await UplinkClient.connect(srv.wsUrl);
    const closed = await up.closed;
    assert.equal(closed.code, 4408);
    assert.equal(closed.reason, "hello timeout");
  } finally {
    await up?.close();
    await srv.close();
  }
});

Deno.test("access - refusals and rate limits are counted in /metrics, without per-IP labels", async () => {
  const clock = new FakeClock(Date.parse("2026-11-25T10:00:00Z"));
  const srv = await startServer({ clock, args: ["--rate-limit-sensor", "1"] }); // burst 10
  try {
    const post = (token: string, n: number) =>
      srv.app.request("/api/ingest?sensor=m1", {
        method: "POST",
        headers: bearer(token),
        body: ndjson(failedLogins("192.0.2.40", clock.now(), n)),
      });
    assert.equal((await post("wrong-token-0123456", 1)).status, 401);
    assert.equal((await post(TOKEN, 10)).status, 200);
    assert.equal((await post(TOKEN, 10)).status, 429);
    const text = await (await srv.app.request("/metrics")).text();
    assert.match(text, /^honeywatch_ingest_auth_failures_total\{reason="invalid"\} 1$/m);
    assert.match(text, /^honeywatch_rate_limited_total\{scope="sensor"\} 1$/m);
    assert.match(text, /^honeywatch_enrichment_lookups_total\{result="fetched"\} 0$/m);
    assert.ok(!/192\.0\.2\.40/.test(text));
  } finally {
    await srv.close();
  }
});
