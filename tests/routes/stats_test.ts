import assert from "node:assert/strict";
import { cowrie, startServer, type TestServer, TOKEN } from "../_helpers.ts";

async function ingest(srv: TestServer, records: Record<string, unknown>[], sensor = "s1"): Promise<void> {
  const url = srv.url;
  const res = await fetch(`${url}/api/ingest?source=cowrie&sensor=${sensor}`, {
    method: "POST",
    body: records.map((r) => JSON.stringify(r)).join("\n"),
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 200, await res.text());
  // Aggregates reach KV on the flush tick.
  await srv.rt.flush();
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

// Aligned to 5 minutes, 10 minutes in the past, so the default range (last hour) holds it.
const T0 = Math.floor(Date.now() / 300_000) * 300_000 - 10 * 60_000;

Deno.test("stats routes - timeline counts events per minute and kind from what was ingested", async () => {
  const srv = await startServer();
  try {
    await ingest(srv, [
      cowrie("cowrie.login.failed", "198.51.100.1", T0 + 1000, { username: "root", password: "a" }),
      cowrie("cowrie.login.failed", "198.51.100.1", T0 + 2000, { username: "root", password: "b" }),
      cowrie("cowrie.command.input", "198.51.100.2", T0 + 61_000, { input: "uname -a" }),
    ]);
    // A second post into the same minute merges with the stored aggregate.
    await ingest(srv, [
      cowrie("cowrie.login.failed", "198.51.100.3", T0 + 3000, { username: "admin", password: "a" }),
    ]);
    const { status, body } = await getJson(
      `${srv.url}/api/stats/timeline?since=${T0}&until=${T0 + 3 * 60_000}&bucket=1m`,
    );
    assert.equal(status, 200);
    const buckets = body.buckets as { ts: string; total: number; kinds: Record<string, number> }[];
    assert.equal(buckets.length, 3);
    assert.deepEqual(buckets.map((b) => b.total), [3, 1, 0]);
    assert.deepEqual(buckets[0].kinds, { login_failed: 3 });
    assert.deepEqual(buckets[1].kinds, { command: 1 });
    assert.equal(buckets[0].ts, new Date(T0).toISOString());
    assert.deepEqual(body.kinds, ["login_failed", "command"]);

    const five = await getJson(
      `${srv.url}/api/stats/timeline?since=${T0}&until=${T0 + 5 * 60_000}&bucket=5m`,
    );
    assert.deepEqual((five.body.buckets as { total: number }[]).map((b) => b.total), [4]);
  } finally {
    await srv.close();
  }
});

Deno.test("stats routes - top lists rank values over the range, at minute and hour resolution", async () => {
  const srv = await startServer();
  try {
    await ingest(srv, [
      cowrie("cowrie.login.failed", "198.51.100.1", T0 + 1000, { username: "root", password: "123456" }),
      cowrie("cowrie.login.failed", "198.51.100.1", T0 + 2000, { username: "root", password: "admin" }),
      cowrie("cowrie.login.failed", "198.51.100.2", T0 + 3000, { username: "oracle", password: "123456" }),
      cowrie("cowrie.session.file_download", "198.51.100.2", T0 + 4000, {
        url: "http://203.0.113.9/x.sh",
        shasum: "a".repeat(64),
      }),
    ]);
    const users = await getJson(`${srv.url}/api/stats/top?field=username&since=${T0}&until=${T0 + 60_000}`);
    assert.equal(users.status, 200);
    assert.equal(users.body.resolution, "minute");
    assert.deepEqual(users.body.items, [{ value: "root", count: 2 }, { value: "oracle", count: 1 }]);
    const ips = await getJson(`${srv.url}/api/stats/top?field=ip&since=${T0}&until=${T0 + 60_000}&limit=1`);
    assert.deepEqual(ips.body.items, [{ value: "198.51.100.1", count: 2 }]);
    const urls = await getJson(`${srv.url}/api/stats/top?field=url&since=24h`);
    assert.equal(urls.body.resolution, "hour");
    assert.deepEqual(urls.body.items, [{ value: "http://203.0.113.9/x.sh", count: 1 }]);
    const pw = await getJson(`${srv.url}/api/stats/top?field=password&since=24h`);
    assert.deepEqual(pw.body.items, [{ value: "123456", count: 2 }, { value: "admin", count: 1 }]);
  } finally {
    await srv.close();
  }
});

Deno.test("stats routes - summary counts active attackers, events and open anomalies", async () => {
  const srv = await startServer();
  try {
    const now = Date.now();
    const logins = Array.from(
      { length: 6 },
      (_, i) =>
        cowrie("cowrie.login.failed", "198.51.100.7", now - 60_000 + i * 1000, {
          username: "root",
          password: `p${i}`,
        }),
    );
    await ingest(srv, [...logins, cowrie("cowrie.session.connect", "198.51.100.8", now - 1000)]);
    const { body } = await getJson(`${srv.url}/api/stats/summary`);
    assert.equal(body.activeAttackers, 2);
    assert.equal(body.eventsLastHour, 7);
    assert.equal(body.openAnomalies, 1);
    assert.equal(typeof body.eventsPerSecond, "number");
  } finally {
    await srv.close();
  }
});

Deno.test("stats routes - bad queries are 400 with the rule", async () => {
  const srv = await startServer();
  try {
    for (
      const [q, re] of [
        ["/api/stats/top?field=shoe", /must be one of ip, username, password, command, url/],
        ["/api/stats/top?field=ip&limit=0", /integer from 1 to 100/],
        ["/api/stats/timeline?bucket=30s", /whole number of minutes/],
        ["/api/stats/timeline?since=yesterday", /ISO 8601/],
        ["/api/stats/timeline?since=7d&bucket=1m", /over 1440 buckets/],
        ["/api/stats/timeline?since=1000&until=500", /must be before/],
      ] as const
    ) {
      const { status, body } = await getJson(srv.url + q);
      assert.equal(status, 400, q);
      assert.match(String(body.message), re, q);
    }
  } finally {
    await srv.close();
  }
});
