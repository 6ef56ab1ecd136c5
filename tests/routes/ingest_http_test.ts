import assert from "node:assert/strict";
import { cowrie, failedLogins, startServer, TOKEN } from "../_helpers.ts";

const auth = { authorization: `Bearer ${TOKEN}` };

function ndjson(records: unknown[]): string {
  return records.map((r) => typeof r === "string" ? r : JSON.stringify(r)).join("\n") + "\n";
}

Deno.test("ingest HTTP - NDJSON is counted and a curl-style post raises anomalies", async () => {
  const srv = await startServer();
  try {
    const body = ndjson(failedLogins("203.0.113.9", Date.parse("2026-11-25T10:00:00Z"), 7, 500));
    const res = await srv.app.request("/api/ingest?source=cowrie&sensor=curl1", {
      method: "POST",
      body,
      headers: auth,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { accepted: 7, rejected: 0, reasons: {}, skipped: 0 });
    const list = await (await srv.app.request("/api/anomalies?ip=203.0.113.9")).json();
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].type, "brute_force");
    assert.equal(list.cursor, null);
  } finally {
    await srv.close();
  }
});

Deno.test("ingest HTTP - without a valid token nothing is taken", async () => {
  const srv = await startServer();
  try {
    const body = ndjson(failedLogins("203.0.113.9", Date.now(), 1));
    const tries: Record<string, string>[] = [{}, { authorization: "Bearer wrong-token-xx" }, {
      authorization: TOKEN,
    }];
    for (const headers of tries) {
      const res = await srv.app.request("/api/ingest?sensor=x", { method: "POST", body, headers });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error, "unauthorized");
    }
    const ev = await (await srv.app.request("/api/events")).json();
    assert.equal(ev.items.length, 0);
  } finally {
    await srv.close();
  }
});

Deno.test("ingest HTTP - malformed input of every kind is rejected with a counted reason; the rest is kept", async () => {
  const srv = await startServer();
  try {
    const t = Date.parse("2026-11-25T10:00:00Z");
    const good = cowrie("cowrie.session.connect", "198.51.100.1", t, {
      src_port: 4242,
      dst_ip: "10.0.0.5",
      dst_port: 22,
    });
    const huge = JSON.stringify(
      cowrie("cowrie.command.input", "198.51.100.2", t, { input: "A".repeat(10 * 1024 * 1024) }),
    );
    const lines = [
      JSON.stringify(good),
      "this is not json",
      "[1,2,3]",
      JSON.stringify(cowrie("cowrie.login.failed", "198.51.100.3", t, { username: 42, password: "x" })),
      JSON.stringify(cowrie("cowrie.login.failed", "999.1.1.1", t, { username: "root", password: "x" })),
      JSON.stringify({ ...cowrie("cowrie.login.failed", "198.51.100.4", t), timestamp: "yesterday" }),
      huge,
      JSON.stringify(cowrie("cowrie.new.thing", "198.51.100.5", t, { colour: "blue" })),
      JSON.stringify({ timestamp: "2026-11-25T10:00:00Z", src_ip: "198.51.100.6" }),
      '{"eventid":"cowrie.login.failed","timestamp":"2026-11-25T10:0',
    ];
    const res = await srv.app.request("/api/ingest?source=cowrie&sensor=bad1", {
      method: "POST",
      body: lines.join("\n"),
      headers: auth,
    });
    assert.equal(res.status, 200);
    const r = await res.json();
    assert.equal(r.accepted, 2); // the connect and the unknown eventid
    assert.equal(r.rejected, 8);
    assert.deepEqual(r.reasons, {
      not_json: 1,
      not_object: 1,
      wrong_type: 1,
      invalid_ip: 1,
      invalid_timestamp: 1,
      too_large: 1,
      missing_field: 1,
      truncated: 1,
    });
    // The unknown eventid is kept as a generic event, not dropped.
    const ev = await (await srv.app.request("/api/events?ip=198.51.100.5")).json();
    assert.equal(ev.items.length, 1);
    assert.equal(ev.items[0].kind, "other");
    assert.equal(ev.items[0].eventid, "cowrie.new.thing");
    // Rejections are counted per sensor; the server keeps serving.
    const sensors = await (await srv.app.request("/api/sensors")).json();
    assert.equal(sensors.items[0].events, 2);
    assert.equal(sensors.items[0].rejected, 8);
    assert.equal((await srv.app.request("/api/health")).status, 200);
  } finally {
    await srv.close();
  }
});

Deno.test("ingest HTTP - bad query values are 400 with the rule", async () => {
  const srv = await startServer();
  try {
    const a = await srv.app.request("/api/ingest?source=syslog", { method: "POST", body: "", headers: auth });
    assert.equal(a.status, 400);
    assert.match((await a.json()).message, /source.*"syslog".*cowrie, sshd, firewall, zeek/);
    const b = await srv.app.request("/api/ingest?sensor=a%20b", { method: "POST", body: "", headers: auth });
    assert.equal(b.status, 400);
    assert.match((await b.json()).message, /sensor/);
  } finally {
    await srv.close();
  }
});

Deno.test("ingest HTTP - sshd, firewall and zeek lines go through their parsers", async () => {
  const srv = await startServer();
  try {
    const sshd = [
      "Nov 25 10:00:01 web1 sshd[100]: Invalid user admin from 203.0.113.40 port 50000",
      "Nov 25 10:00:02 web1 sshd[100]: Failed password for invalid user admin from 203.0.113.40 port 50000 ssh2",
      "Nov 25 10:00:03 web1 sshd[100]: pam_unix(sshd:auth): check pass; user unknown",
    ].join("\n");
    const a = await srv.app.request("/api/ingest?source=sshd&sensor=web1", {
      method: "POST",
      body: sshd,
      headers: auth,
    });
    // "Invalid user" and its "Failed password" are one attempt; pam chatter is skipped.
    assert.deepEqual(await a.json(), { accepted: 1, rejected: 0, reasons: {}, skipped: 2 });
    const fw =
      "Nov 25 10:00:04 gw kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00 SRC=203.0.113.41 DST=10.0.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=4000 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0";
    const b = await srv.app.request("/api/ingest?source=firewall&sensor=gw", {
      method: "POST",
      body: fw,
      headers: auth,
    });
    assert.equal((await b.json()).accepted, 1);
    const ev = await (await srv.app.request("/api/events?ip=203.0.113.41")).json();
    assert.equal(ev.items[0].kind, "firewall");
    assert.equal(ev.items[0].dst_port, 23);
    const zeek = JSON.stringify({
      ts: 1764064800.5,
      uid: "C1",
      "id.orig_h": "203.0.113.42",
      "id.orig_p": 5000,
      "id.resp_h": "10.0.0.2",
      "id.resp_p": 443,
      proto: "tcp",
    });
    const c = await srv.app.request("/api/ingest?source=zeek&sensor=z1", {
      method: "POST",
      body: zeek,
      headers: auth,
    });
    assert.equal((await c.json()).accepted, 1);
  } finally {
    await srv.close();
  }
});
