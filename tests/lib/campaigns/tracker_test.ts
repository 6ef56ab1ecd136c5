import assert from "node:assert/strict";
import { CampaignTracker } from "../../../lib/campaigns/tracker.ts";
import type { NormalisedEvent } from "../../../lib/schema.ts";

const T0 = Date.parse("2026-11-25T08:00:00Z");
let seq = 0;
function ev(
  ip: string,
  ts: number,
  kind: NormalisedEvent["kind"],
  f: Partial<NormalisedEvent> = {},
): NormalisedEvent {
  return { id: `t.${seq++}`, ts, sensor: "hp1", source: "cowrie", kind, src_ip: ip, ...f };
}

/** A botnet: `n` IPs, each trying 3 or 4 pairs of one uncommon list, minutes apart. */
function distributed(n: number, start: number, gapMs = 6 * 60_000): NormalisedEvent[] {
  const list = ["admin:Sup3r!x", "oracle:0racle#1", "hadoop:h4d00p!", "ubnt:ubnt2024", "git:g1t-pass"];
  const out: NormalisedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const ip = `198.51.100.${i + 1}`;
    const t = start + i * gapMs;
    out.push(ev(ip, t, "client_kex", { hassh: "0a07365cc01fa9fc82608ba4019af499", session: `s${i}` }));
    for (let k = 0; k < 3 + (i % 2); k++) {
      const [u, p] = list[(i + k) % list.length].split(":");
      out.push(ev(ip, t + 1000 + k * 90_000, "login_failed", { username: u, password: p, session: `s${i}` }));
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

/** Scanners that try one or two of the most common pairs each. */
function noise(n: number, start: number): NormalisedEvent[] {
  const common = [["root", "123456"], ["root", "root"], ["admin", "admin"]];
  const out: NormalisedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const ip = `203.0.113.${i + 1}`;
    for (let k = 0; k < 1 + (i % 2); k++) {
      const [u, p] = common[(i + k) % 3];
      out.push(ev(ip, start + i * 1000 + k, "login_failed", { username: u, password: p }));
    }
  }
  return out;
}

Deno.test("CampaignTracker - groups a distributed low-and-slow brute force that per-IP windows miss", () => {
  const t = new CampaignTracker();
  const events = [...distributed(12, T0), ...noise(30, T0)].sort((a, b) => a.ts - b.ts);
  const anomalies = [];
  for (let i = 0; i < events.length; i += 25) anomalies.push(...t.observe(events.slice(i, i + 25)));
  const campaigns = t.list();
  assert.equal(campaigns.length, 1, JSON.stringify(campaigns.map((c) => c.members.map((m) => m.ip))));
  const c = campaigns[0];
  assert.equal(c.memberCount, 12);
  assert.ok(c.members.every((m) => m.ip.startsWith("198.51.100.")));
  assert.ok(c.maxAttemptsPerIp <= 4);
  assert.ok(c.sharedCredentials.some((s) => s.credential === "admin:Sup3r!x" && s.ips >= 6));
  assert.equal(c.hassh[0].hassh, "0a07365cc01fa9fc82608ba4019af499");
  assert.equal(c.kind, "credential_list");
  assert.equal(t.campaignOf("198.51.100.7"), c.id);
  assert.equal(t.campaignOf("203.0.113.1"), null);
  // One anomaly id, raised once the campaign had 5 IPs and 20 failures, then updated.
  const ids = new Set(anomalies.map((a) => a.id));
  assert.deepEqual([...ids], [`campaign-${c.id}`]);
  const last = anomalies.at(-1)!;
  assert.equal(last.type, "campaign");
  assert.equal(last.value, 12);
  assert.equal(last.features.failed_logins, c.failedLogins);
  assert.match(last.reason, /low-and-slow campaign of 12 IPs sharing a credential list/);
  assert.match(last.reason, /at most 4 per IP/);
  assert.match(last.reason, / over 1h 11m;/);
  assert.ok(last.evidence.length > 0 && last.evidence.length <= 30);
  assert.equal(c.timeline.reduce((s, b) => s + b.events, 0) > 0, true);
});

Deno.test("CampaignTracker - IPs the per-IP detectors already caught raise no campaign anomaly", () => {
  const events = distributed(12, T0);
  const all = new CampaignTracker().observe(events, () => true);
  assert.deepEqual(all, []);
  // With 4 of 12 caught, the 8 missed ones still make the anomaly, and it says so.
  const t = new CampaignTracker();
  const caught = new Set(["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]);
  const out = t.observe(events, (ip) => caught.has(ip));
  assert.equal(t.list()[0].memberCount, 12);
  assert.equal(out.at(-1)?.features.members_missed_per_ip, 8);
});

Deno.test("CampaignTracker - links IPs that run the same session script", () => {
  const t = new CampaignTracker({ minIps: 3 });
  const script = ["cd ~; chattr -ia .ssh; lockr -ia .ssh", "cat /proc/cpuinfo | grep name | wc -l"];
  const events: NormalisedEvent[] = [];
  for (let i = 0; i < 4; i++) {
    const ip = `192.0.2.${i + 10}`;
    const t0 = T0 + i * 60_000;
    script.forEach((c, k) => events.push(ev(ip, t0 + k * 100, "command", { command: c, session: `x${i}` })));
    events.push(ev(ip, t0 + 500, "closed", { session: `x${i}` }));
  }
  // Single short commands do not link.
  events.push(ev("192.0.2.99", T0, "command", { command: "uname", session: "u1" }));
  events.push(ev("192.0.2.99", T0 + 1, "closed", { session: "u1" }));
  events.push(ev("192.0.2.98", T0 + 2, "command", { command: "uname", session: "u2" }));
  events.push(ev("192.0.2.98", T0 + 3, "closed", { session: "u2" }));
  const anomalies = t.observe(events.sort((a, b) => a.ts - b.ts));
  const [c] = t.list();
  assert.equal(t.list().length, 1);
  assert.equal(c.memberCount, 4);
  assert.equal(c.kind, "command_sequence");
  assert.equal(c.commands[0].sequence, script.join(" ; "));
  assert.equal(c.commands[0].ips, 4);
  assert.equal(anomalies.length, 1);
  assert.match(anomalies[0].reason, /running the same commands/);
});

Deno.test("CampaignTracker - memory stays bounded under many distinct IPs", () => {
  const t = new CampaignTracker({ maxProfiles: 500, maxMembers: 50, maxCampaigns: 10 });
  for (let b = 0; b < 20; b++) {
    const events: NormalisedEvent[] = [];
    for (let i = 0; i < 200; i++) {
      const ip = `10.${b}.${i >> 8}.${i & 255}`;
      for (const pw of ["a1", "b2", "c3"]) {
        events.push(ev(ip, T0 + b * 1000 + i, "login_failed", { username: "u", password: pw }));
      }
    }
    t.observe(events);
  }
  assert.ok(t.profiles <= 500);
  const list = t.list();
  assert.ok(list.length <= 10);
  for (const c of list) assert.ok(c.members.length <= 50);
  // The one shared list is one campaign; members beyond the cap are counted, not kept.
  assert.equal(list.length, 1);
  assert.ok(list[0].overflow > 0);
});

Deno.test("CampaignTracker - forgets profiles and campaigns idle past the TTL", () => {
  const t = new CampaignTracker({ ttlMs: 3_600_000 });
  t.observe(distributed(6, T0, 1000));
  assert.equal(t.list().length, 1);
  t.observe([ev("192.0.2.1", T0 + 3 * 3_600_000, "connect")]);
  assert.equal(t.list().length, 0);
  assert.equal(t.profiles, 1);
  assert.equal(t.campaignOf("198.51.100.1"), null);
});
