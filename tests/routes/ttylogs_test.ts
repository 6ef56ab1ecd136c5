import assert from "node:assert/strict";
import { FakeClock } from "../../lib/clock.ts";
import { sweep } from "../../lib/retention.ts";
import { encodeTtylog, OP_OPEN } from "../../lib/ttylog.ts";
import { sha256Hex, ttylogMeta } from "../../lib/ttylog_store.ts";
import { postCowrie, startServer, TOKEN } from "../_helpers.ts";
import { ttySession } from "../_ttylog.ts";

type Srv = Awaited<ReturnType<typeof startServer>>;
const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>';

const post = postCowrie;

function put(srv: Srv, sha: string, bytes: Uint8Array, query = "sensor=hp1", token = TOKEN) {
  return srv.app.request(`/api/ttylogs/${sha}?${query}`, {
    method: "PUT",
    body: bytes as Uint8Array<ArrayBuffer>,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
  });
}

Deno.test("ttylogs api - a shipped TTY log is stored once and replays on the session and attacker page", async () => {
  const srv = await startServer();
  try {
    const ip = "198.51.100.23";
    const s = await ttySession(ip, "77aa88bb99cc", T0, ["uname -a", "cat /etc/passwd", "echo x"], [
      "Linux svr04 3.2.0-4-amd64 #1 SMP Debian 3.2.68-1+deb7u1 x86_64 GNU/Linux",
      `root:x:0:0:root:/root:/bin/bash\r\n${XSS}`,
      "x",
    ]);
    await post(srv, s.events);

    const first = await put(srv, s.sha256, s.bytes, `sensor=hp1&session=77aa88bb99cc&ip=${ip}`);
    assert.equal(first.status, 201);
    assert.deepEqual(await first.json(), { sha256: s.sha256, size: s.bytes.length, stored: true });
    const again = await put(srv, s.sha256, s.bytes);
    assert.equal(again.status, 200, "resending is harmless");
    assert.equal((await again.json()).stored, false);

    const got = await srv.app.request(`/api/ttylogs/${s.sha256}`);
    assert.equal(got.status, 200);
    const body = await got.json();
    assert.equal(body.session, "77aa88bb99cc");
    assert.equal(body.ip, ip);
    assert.equal(body.sensor, "hp1");
    assert.equal(body.start, new Date(T0 + 500).toISOString());
    assert.equal(body.durationMs, 3500);
    const texts = body.lines.map((l: { text: string }) => l.text);
    assert.deepEqual(texts, [
      "root@svr04:~# uname -a",
      "Linux svr04 3.2.0-4-amd64 #1 SMP Debian 3.2.68-1+deb7u1 x86_64 GNU/Linux",
      "root@svr04:~# cat /etc/passwd",
      "root:x:0:0:root:/root:/bin/bash",
      XSS,
      "root@svr04:~# echo x",
      "x",
      "root@svr04:~#",
    ]);
    assert.equal(body.lines[1].at, 1200 - 500, "times count from the log's opening");

    const raw = await srv.app.request(`/api/ttylogs/${s.sha256}/raw`);
    assert.equal(raw.headers.get("content-type"), "application/octet-stream");
    assert.deepEqual(new Uint8Array(await raw.arrayBuffer()), s.bytes);

    const session = await (await srv.app.request(`/api/sessions/77aa88bb99cc?ip=${ip}`)).json();
    assert.equal(session.ttylog.sha256, s.sha256);
    assert.deepEqual(session.ttylog.lines, body.lines);
    assert.ok(session.lines.length > 0, "the lines from events stay");

    const page = await (await srv.app.request(`/ip/${ip}`)).text();
    assert.match(page, new RegExp(`"ttylog":"${s.sha256}"`), "the replay island gets the TTY log's lines");
    assert.ok(page.includes("Linux svr04 3.2.0-4-amd64"));
    assert.ok(!page.includes("<script>alert(2)"), "attacker output never appears as markup");
  } finally {
    await srv.close();
  }
});

Deno.test("ttylogs api - bad uploads are refused with the reason and nothing is stored", async () => {
  const srv = await startServer();
  try {
    const s = await ttySession("198.51.100.24", "aaaa0000bbbb", T0, ["id"], ["uid=0(root)"]);
    const other = "0".repeat(64);
    const cases: [Response, number, RegExp][] = [
      [await put(srv, s.sha256, s.bytes, "sensor=hp1", "wrong-token"), 401, /ingest token/],
      [await put(srv, other, s.bytes), 400, /SHA-256 is [0-9a-f]{64}, not the path's 0{64}/],
      [await put(srv, "nothex", s.bytes), 400, /not a SHA-256/],
      [await put(srv, s.sha256, s.bytes, "sensor=bad name"), 400, /sensor/],
      [await put(srv, s.sha256, s.bytes, "sensor=hp1&ip=999.1.1.1"), 400, /ip/],
      [await put(srv, s.sha256, s.bytes, "sensor=hp1&session=%3Cx%3E"), 400, /session/],
    ];
    const junk = new TextEncoder().encode('{"eventid":"cowrie.session.connect"}\n');
    cases.push([await put(srv, await sha256Hex(junk), junk), 400, /Not a Cowrie TTY log: .* at byte 0/]);
    const cut = s.bytes.subarray(0, s.bytes.length - 3);
    cases.push([await put(srv, await sha256Hex(cut), cut), 400, /truncated header: 21 of 24 bytes/]);
    for (const [res, status, message] of cases) {
      const body = await res.json();
      assert.equal(res.status, status, JSON.stringify(body));
      assert.match(body.message, message);
    }
    assert.equal(await ttylogMeta(srv.kv, s.sha256), null);
    assert.equal((await srv.app.request(`/api/ttylogs/${s.sha256}`)).status, 404);
    assert.equal((await srv.app.request(`/api/ttylogs/${s.sha256}/raw`)).status, 404);
    const metrics = await (await srv.app.request("/metrics")).text();
    assert.match(metrics, /honeywatch_ttylogs_total\{result="refused"\} 8/);
  } finally {
    await srv.close();
  }
});

Deno.test("ttylogs store - a log larger than one KV value comes back whole; the retention sweep deletes it", async () => {
  const srv = await startServer();
  try {
    // 300 KB of output: five parts.
    const big = new Uint8Array(300_000).map((_, i) => 32 + (i % 90));
    const bytes = encodeTtylog([
      { op: OP_OPEN, direction: 0, ts: T0, data: new Uint8Array() },
      { op: 3, direction: 2, ts: T0 + 1, data: big },
    ]);
    const sha = await sha256Hex(bytes);
    assert.equal((await put(srv, sha, bytes)).status, 201);
    const raw = new Uint8Array(await (await srv.app.request(`/api/ttylogs/${sha}/raw`)).arrayBuffer());
    assert.equal(raw.length, bytes.length);
    assert.equal(await sha256Hex(raw), sha);

    const clock = new FakeClock(Date.now() + 1000);
    const kept = await sweep({ kv: srv.kv, clock, retentionMs: 3_600_000, actorTtlMs: 3_600_000 });
    assert.equal(kept.ttylogs, 0);
    clock.advance(2 * 3_600_000);
    const swept = await sweep({ kv: srv.kv, clock, retentionMs: 3_600_000, actorTtlMs: 3_600_000 });
    assert.equal(swept.ttylogs, 1);
    assert.equal((await srv.app.request(`/api/ttylogs/${sha}`)).status, 404);
    const left = await Array.fromAsync(srv.kv.list({ prefix: ["tty"] }));
    assert.equal(left.length, 0, "every part is gone too");
  } finally {
    await srv.close();
  }
});
