import assert from "node:assert/strict";
import type { Anomaly, NormalisedEvent } from "../../lib/schema.ts";
import { cowrie, failedLogins, startServer, TOKEN } from "../_helpers.ts";
import { assertValidStixBundle } from "../lib/export/stix_test.ts";

const auth = { authorization: `Bearer ${TOKEN}` };

type Srv = Awaited<ReturnType<typeof startServer>>;

async function post(srv: Srv, records: unknown[], sensor = "exp1") {
  const res = await srv.app.request(`/api/ingest?source=cowrie&sensor=${sensor}`, {
    method: "POST",
    body: records.map((r) => JSON.stringify(r)).join("\n"),
    headers: auth,
  });
  assert.equal(res.status, 200);
  return await res.json();
}

Deno.test("export - blocklist lists active attackers once, with expiry, above minSeverity", async () => {
  const srv = await startServer();
  try {
    const now = Date.now();
    await post(srv, failedLogins("203.0.113.7", now - 20 * 60_000, 6)); // medium
    await post(srv, failedLogins("203.0.113.7", now - 10 * 60_000, 16, 100)); // updates: high
    await post(srv, failedLogins("198.51.100.9", now - 5 * 60_000, 5)); // medium
    await post(srv, failedLogins("192.0.2.50", now - 3 * 86_400_000, 5)); // long expired
    const res = await srv.app.request("/api/blocklist.txt");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/plain/);
    const text = await res.text();
    const lines = text.split("\n").filter((l) => l && !l.startsWith("#"));
    assert.equal(lines.length, 2, text);
    const m = /^(\S+) # expires (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (\w+) (\S+)$/.exec(lines[0]);
    assert.ok(m, lines[0]);
    assert.equal(m[1], "203.0.113.7");
    assert.equal(m[3], "high");
    assert.ok(m[4].split(",").includes("brute_force"), m[4]);
    assert.ok(Date.parse(m[2]) > now);
    assert.ok(lines[1].startsWith("198.51.100.9 # expires "));
    // What a firewall loader keeps after stripping comments: bare addresses.
    assert.deepEqual(lines.map((l) => l.split("#")[0].trim()), ["203.0.113.7", "198.51.100.9"]);
    const high = await (await srv.app.request("/api/blocklist.txt?minSeverity=high")).text();
    assert.deepEqual(high.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(" ")[0]), [
      "203.0.113.7",
    ]);
    const long = await (await srv.app.request("/api/blocklist.txt?ttl=7d")).text();
    assert.ok(long.includes("192.0.2.50 # expires"));
    assert.equal((await srv.app.request("/api/blocklist.txt?ttl=soon")).status, 400);
  } finally {
    await srv.close();
  }
});

Deno.test("export - STIX bundle of the stored anomalies is valid STIX 2.1", async () => {
  const srv = await startServer();
  try {
    const now = Date.now();
    await post(srv, failedLogins("203.0.113.7", now - 60_000, 5), "vm1");
    await post(srv, failedLogins("198.51.100.9", now - 60_000, 5), "vm2");
    const res = await srv.app.request("/api/export/stix");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^application\/stix\+json/);
    const bundle = await res.json();
    assertValidStixBundle(bundle);
    assert.equal(bundle.objects.filter((o: { type: string }) => o.type === "indicator").length, 2);
    assert.equal(bundle.objects.filter((o: { type: string }) => o.type === "sighting").length, 2);
    const one = await (await srv.app.request("/api/export/stix?ip=203.0.113.7")).json();
    assert.equal(one.objects.filter((o: { type: string }) => o.type === "indicator").length, 1);
  } finally {
    await srv.close();
  }
});

Deno.test("export - events CSV defuses attacker strings and NDJSON round-trips, with list filters", async () => {
  const srv = await startServer();
  try {
    const t0 = Date.parse("2026-11-25T10:00:00Z");
    await post(srv, [
      cowrie("cowrie.login.failed", "192.0.2.1", t0, { username: "=cmd|' /C calc'!A0", password: 'a,"b"' }),
      cowrie("cowrie.command.input", "192.0.2.1", t0 + 1000, { input: "@SUM(1+1)*cmd|' /C calc'!A0" }),
      cowrie("cowrie.session.connect", "192.0.2.2", t0 + 2000, { dst_port: 22 }),
    ]);
    const csvRes = await srv.app.request("/api/export/events.csv?ip=192.0.2.1");
    assert.equal(csvRes.status, 200);
    assert.match(csvRes.headers.get("content-type")!, /^text\/csv/);
    assert.match(csvRes.headers.get("content-disposition")!, /filename="events\.csv"/);
    const csv = await csvRes.text();
    const rows = csv.trimEnd().split("\r\n");
    assert.equal(rows.length, 3); // header + 2 events of that IP
    assert.ok(rows[0].startsWith("id,ts,sensor,source,kind,src_ip"));
    assert.ok(rows.every((r) => !/,[=+\-@]/.test(r)), "no cell starts with a formula character");
    assert.ok(csv.includes(`'=cmd|' /C calc'!A0`));
    assert.ok(csv.includes(`"a,""b"""`));
    assert.ok(csv.includes(`'@SUM(1+1)`));

    const nd = await (await srv.app.request("/api/export/events.ndjson?kind=connect")).text();
    const events = nd.trimEnd().split("\n").map((l) => JSON.parse(l) as NormalisedEvent);
    assert.equal(events.length, 1);
    assert.equal(events[0].src_ip, "192.0.2.2");
    const all = (await (await srv.app.request("/api/export/events.ndjson")).text()).trimEnd().split("\n");
    assert.equal(all.length, 3);
    const limited = (await (await srv.app.request("/api/export/events.ndjson?limit=2")).text()).trimEnd();
    assert.equal(limited.split("\n").length, 2);
    assert.equal((await srv.app.request("/api/export/events.csv?ip=nope")).status, 400);
  } finally {
    await srv.close();
  }
});

Deno.test("export - anomalies CSV and NDJSON stream every stored anomaly, filtered", async () => {
  const srv = await startServer();
  try {
    const t0 = Date.parse("2026-11-25T10:00:00Z");
    // 700 IPs: more than one read batch, so the stream has to page.
    const records = [];
    for (let i = 0; i < 700; i++) {
      records.push(...failedLogins(`10.${(i >> 8) & 255}.${i & 255}.1`, t0 + i * 1000, 5, 10));
    }
    for (let i = 0; i < records.length; i += 400) await post(srv, records.slice(i, i + 400));
    const nd = (await (await srv.app.request("/api/export/anomalies.ndjson?type=brute_force")).text())
      .trimEnd()
      .split("\n");
    assert.equal(nd.length, 700);
    const items = nd.map((l) => JSON.parse(l) as Anomaly);
    assert.equal(new Set(items.map((a) => a.ip)).size, 700);
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].ts >= items[i].ts, "newest first");
    const csv = await (await srv.app.request("/api/export/anomalies.csv?type=port_scan")).text();
    assert.equal(csv.trimEnd().split("\r\n").length, 1, "header only");
    const some = await (await srv.app.request(
      `/api/export/anomalies.csv?type=brute_force&since=${new Date(t0 + 600_000).toISOString()}`,
    )).text();
    assert.equal(some.trimEnd().split("\r\n").length, 1 + 100);
  } finally {
    await srv.close();
  }
});
