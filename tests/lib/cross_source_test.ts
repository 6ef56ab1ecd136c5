import assert from "node:assert/strict";
import type { Anomaly } from "../../lib/schema.ts";
import { cowrie, eventually, startServer, TOKEN, UplinkClient } from "../_helpers.ts";

const T0 = Date.parse("2026-11-25T09:00:00Z");

async function ingest(
  srv: Awaited<ReturnType<typeof startServer>>,
  source: string,
  sensor: string,
  lines: string[],
) {
  const res = await srv.app.request(`/api/ingest?source=${source}&sensor=${sensor}`, {
    method: "POST",
    body: lines.join("\n"),
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 200);
  return await res.json();
}

const sshd = (ms: number, ip: string, what: "Failed" | "Accepted") =>
  `${new Date(ms).toISOString()} web1 sshd[300]: ${what} password for root from ${ip} port 50000 ssh2`;

async function withServer(fn: (srv: Awaited<ReturnType<typeof startServer>>) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/honeywatch.json`;
  await Deno.writeTextFile(file, JSON.stringify({ sensors: { web1: "production" } }));
  const srv = await startServer({ args: ["--config", file] });
  try {
    await fn(srv);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("cross_source - an IP from the honeypot on production sshd raises one anomaly showing both sides", async () => {
  await withServer(async (srv) => {
    const ip = "203.0.113.50";
    const hp = [
      cowrie("cowrie.login.failed", ip, T0, { username: "root", password: "x" }),
      cowrie("cowrie.command.input", ip, T0 + 1000, { input: "uname -a" }),
    ];
    await ingest(srv, "cowrie", "hp1", hp.map((r) => JSON.stringify(r)));
    // Another IP only on production: nothing to correlate.
    await ingest(srv, "sshd", "web1", [sshd(T0 + 60_000, "192.0.2.9", "Failed")]);
    assert.equal((await ingest(srv, "sshd", "web1", [sshd(T0 + 3_600_000, ip, "Failed")])).accepted, 1);

    const list: { items: Anomaly[] } = await (await srv.app.request("/api/anomalies?type=cross_source"))
      .json();
    assert.equal(list.items.length, 1);
    const a = list.items[0];
    assert.equal(a.ip, ip);
    assert.equal(a.sensor, "web1");
    assert.equal(a.severity, "high");
    assert.match(a.reason, /attacked honeypot hp1 .*1 login_failed.*1 command.*production sshd logs of web1/);
    assert.equal(a.features.minutes_since_honeypot, 60);
    // Evidence: both honeypot events, then the production one.
    const events = await (await srv.app.request(`/api/events?ip=${ip}`)).json();
    const bySensor = new Map(events.items.map((e: { id: string; sensor: string }) => [e.id, e.sensor]));
    assert.deepEqual(a.evidence.map((id) => bySensor.get(id)), ["hp1", "hp1", "web1"]);

    // A successful production login escalates the same anomaly to critical.
    await ingest(srv, "sshd", "web1", [sshd(T0 + 3_601_000, ip, "Accepted")]);
    const again: { items: Anomaly[] } = await (await srv.app.request("/api/anomalies?type=cross_source"))
      .json();
    assert.equal(again.items.length, 1);
    assert.equal(again.items[0].severity, "critical");
    assert.equal(again.items[0].features.production_logins_success, 1);
  });
});

Deno.test("cross_source - sshd from a sensor with no production role is not correlated", async () => {
  await withServer(async (srv) => {
    const ip = "203.0.113.51";
    await ingest(srv, "cowrie", "hp1", [JSON.stringify(cowrie("cowrie.session.connect", ip, T0))]);
    await ingest(srv, "sshd", "other", [sshd(T0 + 1000, ip, "Failed")]);
    const list = await (await srv.app.request("/api/anomalies?type=cross_source")).json();
    assert.deepEqual(list.items, []);
  });
});

Deno.test("cross_source - a role from the collector's hello, after a restart of the server", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/hw.kv`;
  const ip = "203.0.113.52";
  try {
    let srv = await startServer({ kvPath });
    try {
      await ingest(srv, "cowrie", "hp1", [
        JSON.stringify(cowrie("cowrie.login.failed", ip, T0, { username: "a" })),
      ]);
    } finally {
      await srv.close();
    }
    // A new server knows nothing of hp1's role until hp1 sends again: the stored Cowrie events say it.
    srv = await startServer({ kvPath });
    const up = await UplinkClient.connect(srv.wsUrl);
    try {
      up.send({ type: "hello", sensor: "web2", token: TOKEN, role: "production" });
      assert.equal((await up.next((f) => f.type === "welcome" || f.type === "error")).type, "welcome");
      const ack = await up.batch(1, [sshd(T0 + 5_000, ip, "Failed").replace("web1", "web2")], "sshd");
      assert.equal(ack.type, "ack");
      // The uplink acknowledges once the batch is durable; the observers run right after.
      const list: { items: Anomaly[] } = await eventually(async () => {
        const l = await (await srv.app.request("/api/anomalies?type=cross_source")).json();
        return l.items.length > 0 ? l : null;
      });
      assert.equal(list.items.length, 1);
      assert.equal(list.items[0].sensor, "web2");
      assert.match(list.items[0].reason, /attacked honeypot hp1/);
    } finally {
      await up.close();
      await srv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config - the sensors section must give honeypot or production", async () => {
  const { loadConfig } = await import("../../lib/config.ts");
  const read = (json: unknown) => () => JSON.stringify(json);
  assert.deepEqual(loadConfig(["--config", "x"], {}, read({ sensors: { a: "honeypot" } })).sensorRoles, {
    a: "honeypot",
  });
  assert.throws(
    () => loadConfig(["--config", "x"], {}, read({ sensors: { a: "prod" } })),
    /sensor "a" has role "prod", must be "honeypot" or "production"/,
  );
});
