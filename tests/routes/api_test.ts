import assert from "node:assert/strict";
import type { Anomaly, NormalisedEvent } from "../../lib/schema.ts";
import { cowrie, failedLogins, startServer, TOKEN } from "../_helpers.ts";

const auth = { authorization: `Bearer ${TOKEN}` };
const T0 = Date.parse("2026-11-25T10:00:00Z");

async function post(
  srv: { app: { request: (p: string, i: RequestInit) => Response | Promise<Response> } },
  records: unknown[],
) {
  const body = records.map((r) => JSON.stringify(r)).join("\n");
  const res = await srv.app.request("/api/ingest?source=cowrie&sensor=api1", {
    method: "POST",
    body,
    headers: auth,
  });
  assert.equal(res.status, 200);
  return await res.json();
}

Deno.test("api events - following the cursor walks the whole history, newest first", async () => {
  const srv = await startServer();
  try {
    const records = Array.from(
      { length: 53 },
      (_, i) => cowrie("cowrie.session.connect", `192.0.2.${i % 7}`, T0 + i * 1000, { dst_port: 22 }),
    );
    assert.equal((await post(srv, records)).accepted, 53);
    const seen: NormalisedEvent[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page: { items: NormalisedEvent[]; cursor: string | null } =
        await (await srv.app.request(`/api/events?limit=10${q}`)).json();
      seen.push(...page.items);
      cursor = page.cursor;
      pages++;
    }
    assert.equal(pages, 6);
    assert.equal(seen.length, 53);
    assert.equal(new Set(seen.map((e) => e.id)).size, 53);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1].ts >= seen[i].ts);
    // Per IP: only that IP's events.
    const one = await (await srv.app.request("/api/events?ip=192.0.2.3&limit=1000")).json();
    assert.equal(one.items.length, records.filter((r) => r.src_ip === "192.0.2.3").length);
    assert.ok(one.items.every((e: NormalisedEvent) => e.src_ip === "192.0.2.3"));
    assert.equal(one.cursor, null);
  } finally {
    await srv.close();
  }
});

Deno.test("api anomalies - filters by ip, type, since/until, and pages with a cursor", async () => {
  const srv = await startServer();
  try {
    // 12 IPs brute-forcing, one anomaly each, 1 minute apart.
    for (let i = 0; i < 12; i++) await post(srv, failedLogins(`198.51.100.${i + 1}`, T0 + i * 60_000, 5));
    const all: Anomaly[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page: { items: Anomaly[]; cursor: string | null } =
        await (await srv.app.request(`/api/anomalies?type=brute_force&limit=5${q}`)).json();
      all.push(...page.items);
      cursor = page.cursor;
    }
    assert.equal(all.length, 12);
    assert.equal(all[0].ip, "198.51.100.12"); // newest first
    const byIp = await (await srv.app.request("/api/anomalies?ip=198.51.100.3")).json();
    assert.equal(byIp.items.length, 1);
    assert.equal(byIp.items[0].ts, new Date(T0 + 2 * 60_000 + 4000).toISOString());
    const since = new Date(T0 + 5 * 60_000).toISOString();
    const until = new Date(T0 + 8 * 60_000).toISOString();
    const ranged = await (await srv.app.request(`/api/anomalies?since=${since}&until=${until}`)).json();
    assert.deepEqual(ranged.items.map((a: Anomaly) => a.ip), [
      "198.51.100.8",
      "198.51.100.7",
      "198.51.100.6",
    ]);
    const none = await (await srv.app.request("/api/anomalies?type=port_scan")).json();
    assert.deepEqual(none, { items: [], cursor: null });
    for (
      const bad of ["limit=0", "limit=abc", "ip=nope", "since=tuesday", "minSeverity=huge", "cursor=zzz"]
    ) {
      const res = await srv.app.request(`/api/anomalies?${bad}`);
      assert.equal(res.status, 400, bad);
      assert.ok((await res.json()).message, bad);
    }
  } finally {
    await srv.close();
  }
});

Deno.test("api actors - windows and features of one IP; unknown and invalid IPs", async () => {
  const srv = await startServer();
  try {
    await post(srv, [
      ...failedLogins("203.0.113.20", T0, 3, 10_000),
      cowrie("cowrie.login.success", "203.0.113.20", T0 + 40_000, { username: "root", password: "admin" }),
      cowrie("cowrie.command.input", "203.0.113.20", T0 + 45_000, { input: "uname -a" }),
    ]);
    const res = await srv.app.request("/api/actors/203.0.113.20");
    assert.equal(res.status, 200);
    const a = await res.json();
    assert.equal(a.events, 5);
    assert.equal(a.features.failed_logins_10m, 3);
    assert.equal(a.features.logins_success_total, 1);
    assert.equal(a.features.commands_total, 1);
    assert.equal(a.firstSeen, new Date(T0).toISOString());
    assert.equal(a.recent.length, 5);
    assert.equal(a.recent.at(-1).command, "uname -a");
    // IPv4-mapped IPv6 is the same actor.
    assert.equal((await srv.app.request("/api/actors/::ffff:203.0.113.20")).status, 200);
    assert.equal((await srv.app.request("/api/actors/203.0.113.99")).status, 404);
    assert.equal((await srv.app.request("/api/actors/not-an-ip")).status, 400);
  } finally {
    await srv.close();
  }
});

Deno.test("api - unknown paths are JSON 404s and responses carry security headers", async () => {
  const srv = await startServer();
  try {
    const res = await srv.app.request("/api/nothing");
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error, "not_found");
    const page = await srv.app.request("/");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    const health = await (await srv.app.request("/api/health")).json();
    assert.equal(health.status, "ok");
    assert.equal(health.kv, "ok");
  } finally {
    await srv.close();
  }
});
