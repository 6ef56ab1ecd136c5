import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { generateCowrie, type GeneratedRecord } from "../../collector/generate.ts";
import { hasshAlgorithms, SSH_CLIENTS } from "../../collector/_ssh_clients.ts";

const START = Date.parse("2026-11-25T10:00:00Z");

function take(n: number, seed: number, rate = 20): GeneratedRecord[] {
  const out: GeneratedRecord[] = [];
  for (const r of generateCowrie({ seed, start: START, rate })) {
    out.push(r);
    if (out.length >= n) break;
  }
  return out;
}

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

Deno.test("generateCowrie - same seed gives the same stream, another seed another", () => {
  const a = take(2000, 42).map((r) => JSON.stringify(r));
  const b = take(2000, 42).map((r) => JSON.stringify(r));
  const c = take(2000, 43).map((r) => JSON.stringify(r));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("generateCowrie - records have Cowrie's compact 3.0.x shape", () => {
  const records = take(5000, 3).map((r) => r.record);
  const sessionIp = new Map<string, string>();
  let last = "";
  for (const r of records) {
    assert.match(String(r.eventid), /^cowrie\.[a-z-]+\.[a-z_.]+$/);
    assert.match(String(r.timestamp), TS);
    assert.ok(String(r.timestamp) >= last, "timestamps never go backwards");
    last = String(r.timestamp);
    assert.match(String(r.session), /^[0-9a-f]{12}$/);
    assert.equal(typeof r.src_ip, "string");
    assert.equal(r.protocol, "ssh");
    assert.equal(r.sensor, "cowrie-01");
    const ip = sessionIp.get(String(r.session));
    if (ip) assert.equal(r.src_ip, ip, "one session, one src_ip");
    else sessionIp.set(String(r.session), String(r.src_ip));
    // Round-trips through compact JSON exactly as Cowrie writes it.
    assert.ok(!JSON.stringify(r).includes('", "'));
    switch (r.eventid) {
      case "cowrie.session.connect":
        assert.equal(typeof r.src_port, "number");
        assert.equal(typeof r.dst_port, "number");
        break;
      case "cowrie.session.closed":
        assert.ok(Number.isInteger(r.duration_ms));
        break;
      case "cowrie.login.failed":
      case "cowrie.login.success":
        assert.equal(typeof r.username, "string");
        assert.equal(typeof r.password, "string");
        break;
      case "cowrie.client.kex":
        assert.match(String(r.hassh), /^[0-9a-f]{32}$/);
        break;
      case "cowrie.session.file_download":
        assert.match(String(r.shasum), /^[0-9a-f]{64}$/);
        assert.equal(r.outfile, `var/lib/cowrie/downloads/${r.shasum}`);
        assert.match(String(r.url), /^http:\/\//);
        break;
      case "cowrie.direct-tcpip.request":
        assert.equal(typeof r.dst_port, "number");
        break;
    }
  }
});

Deno.test("generateCowrie - hassh is the MD5 of the client's algorithm lists", () => {
  for (const c of SSH_CLIENTS) {
    assert.equal(c.hassh, createHash("md5").update(hasshAlgorithms(c)).digest("hex"), c.version);
  }
});

Deno.test("generateCowrie - the first 30 s at 20 events/s hold every demo scenario", () => {
  const records = take(600, 1);
  const end = START + 30_000;
  const failed = new Map<string, number>();
  const ports = new Map<string, Set<number>>();
  let download = false;
  let slow = false;
  for (const { record: r, label } of records) {
    assert.ok(Date.parse(String(r.timestamp)) <= end + 1000);
    if (!label) continue;
    assert.equal(label.ip, r.src_ip);
    if (r.eventid === "cowrie.login.failed") failed.set(label.ip, (failed.get(label.ip) ?? 0) + 1);
    if (r.eventid === "cowrie.direct-tcpip.request") {
      ports.set(label.ip, (ports.get(label.ip) ?? new Set()).add(Number(r.dst_port)));
    }
    if (r.eventid === "cowrie.session.file_download" && label.type === "malware_download") download = true;
    if (label.type === "slow_brute_force") slow = true;
  }
  assert.ok([...failed.values()].some((n) => n >= 5), "a brute-force burst");
  assert.ok([...ports.values()].some((s) => s.size >= 15), "a port scan");
  assert.ok(download, "a malware download");
  assert.ok(slow, "a slow brute force has started");
});

Deno.test("generateCowrie - attacks recur from fresh IPs", () => {
  // 20 minutes of event time at 20 events/s.
  const seen = new Map<string, Set<string>>();
  for (const { label } of take(24_000, 5)) {
    if (label) seen.set(label.type, (seen.get(label.type) ?? new Set()).add(label.ip));
  }
  for (const type of ["brute_force", "port_scan", "malware_download"]) {
    assert.ok((seen.get(type)?.size ?? 0) >= 5, `${type} recurs`);
  }
  const all = [...seen.values()].flatMap((s) => [...s]);
  assert.equal(new Set(all).size, all.length, "no IP is reused across attacks");
});

Deno.test("generateCowrie - a scenario can be switched off", () => {
  const types = new Set<string>();
  for (
    const { label } of generateCowrie({
      seed: 9,
      start: START,
      rate: 50,
      scenarios: { brute_force: false, port_scan: { firstAfterS: 0, everyS: 10 } },
    })
  ) {
    if (label) types.add(label.type);
    if (types.size > 10) break;
    if (label?.type === "unusual") break;
  }
  assert.ok(!types.has("brute_force"));
  assert.ok(types.has("port_scan"));
});
