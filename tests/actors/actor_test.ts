import assert from "node:assert/strict";
import {
  actorFeatures,
  type ActorState,
  newActor,
  RECENT_EVENTS,
  step,
  takeUnsent,
} from "../../actors/actor.ts";
import { buildDetectors } from "../../lib/detectors/registry.ts";
import { Anomaly, type NormalisedEvent } from "../../lib/schema.ts";
import { toIso } from "../../lib/timestamp.ts";
import { ev, failed, T0 } from "./_events.ts";

const IP = "203.0.113.9";
const detectors = buildDetectors();

/** Step every event through one actor; all anomalies raised or updated, in order. */
function feed(s: ActorState, events: NormalisedEvent[]): Anomaly[] {
  const out: Anomaly[] = [];
  for (const e of events) out.push(...step(s, e, detectors).anomalies);
  return out;
}

Deno.test("newActor - starts empty", () => {
  const s = newActor(IP);
  assert.equal(s.ip, IP);
  assert.equal(s.events, 0);
  assert.deepEqual(s.recent, []);
  assert.deepEqual(s.open, {});
  assert.deepEqual(actorFeatures(s, T0).events_total, 0);
});

Deno.test("step - updates counters, times, sensors and windows", () => {
  const s = newActor(IP);
  feed(s, [
    ev(1000, { kind: "connect", dst_port: 2222 }),
    failed(2000, { username: "root", password: "a" }),
    failed(3000, { username: "admin", password: "b", sensor: "vm2" }),
    ev(4000, { kind: "login_success", username: "root", password: "c" }),
    ev(5000, { kind: "command", command: "uname -a" }),
    ev(6000, { kind: "tcpip_request", dst_port: 25 }),
    ev(500, { kind: "closed" }), // late
  ]);
  assert.equal(s.events, 7);
  assert.equal(s.firstSeen, T0 + 500);
  assert.equal(s.lastSeen, T0 + 6000);
  assert.deepEqual(s.kinds, {
    connect: 1,
    login_failed: 2,
    login_success: 1,
    command: 1,
    tcpip_request: 1,
    closed: 1,
  });
  assert.deepEqual(s.sensors, ["vm1", "vm2"]);
  assert.deepEqual(Object.keys(s.usernames.v).sort(), ["admin", "root"]);
  assert.deepEqual(Object.keys(s.passwords.v).sort(), ["a", "b", "c"]);
  // The honeypot's own port on connect is not a target port.
  assert.deepEqual(Object.keys(s.ports.v), ["25"]);
  assert.deepEqual(Object.keys(s.det).sort(), ["brute_force", "port_scan", "rate_burst", "slow_brute_force"]);
  assert.deepEqual(actorFeatures(s, T0 + 6000), {
    events_total: 7,
    events_1m: 7,
    events_10m: 7,
    failed_logins_1m: 2,
    failed_logins_10m: 2,
    failed_logins_total: 2,
    logins_success_total: 1,
    distinct_usernames_10m: 2,
    distinct_passwords_10m: 3,
    distinct_ports_1m: 1,
    distinct_ports_10m: 1,
    commands_total: 1,
    downloads_total: 0,
  });
  // Windows move on with time; totals do not.
  const later = actorFeatures(s, T0 + 3_600_000);
  assert.equal(later.events_10m, 0);
  assert.equal(later.failed_logins_10m, 0);
  assert.equal(later.distinct_usernames_10m, 0);
  assert.equal(later.events_total, 7);
});

Deno.test("step - keeps at most 16 sensors", () => {
  const s = newActor(IP);
  feed(s, Array.from({ length: 40 }, (_, i) => ev(i, { sensor: `s${i}` })));
  assert.equal(s.sensors.length, 16);
  assert.equal(s.sensors[15], "s15");
});

Deno.test("step - the recent ring is bounded at 50, newest last, attacker strings clipped", () => {
  assert.equal(RECENT_EVENTS, 50);
  const s = newActor(IP);
  feed(s, Array.from({ length: 120 }, (_, i) => ev(i * 1000, { kind: "command", command: `echo ${i}` })));
  assert.equal(s.recent.length, 50);
  assert.equal(s.recent[0].id, "e70000");
  assert.equal(s.recent.at(-1)?.id, "e119000");
  assert.deepEqual(s.recent.at(-1), {
    id: "e119000",
    ts: T0 + 119_000,
    kind: "command",
    sensor: "vm1",
    command: "echo 119",
  });
  feed(s, [ev(200_000, { kind: "login_failed", username: "u".repeat(1000), password: "p".repeat(201) })]);
  const r = s.recent.at(-1)!;
  assert.equal(r.username, "u".repeat(200) + "…");
  assert.equal(r.password, "p".repeat(200) + "…");
  assert.equal(s.recent.length, 50);
});

Deno.test("step - a 50-failure burst is one brute_force anomaly whose updates, value and lastTs grow", () => {
  const s = newActor(IP);
  const events = Array.from({ length: 50 }, (_, i) => failed(i * 2000, { id: `vm1.1.${i}` }));
  const raised = feed(s, events).filter((a) => a.type === "brute_force");
  assert.deepEqual([...new Set(raised.map((a) => a.id))], ["brute_force-vm1.1.4"]);
  for (let i = 1; i < raised.length; i++) {
    assert.ok(raised[i].updates > raised[i - 1].updates);
    assert.ok(raised[i].value > raised[i - 1].value);
    assert.ok(raised[i].lastTs > raised[i - 1].lastTs);
  }
  const open = s.open.brute_force;
  assert.equal(open.id, "brute_force-vm1.1.4");
  assert.equal(open.updates, 46); // fired on failures 5..50
  assert.equal(open.value, 50);
  assert.equal(open.severity, "critical");
  assert.equal(open.ts, toIso(T0 + 8000));
  assert.equal(open.lastTs, toIso(T0 + 98_000));
});

Deno.test("step - an open anomaly is re-emitted at most every 5 s of event time unless severity rises", () => {
  const s = newActor(IP);
  const events = Array.from({ length: 50 }, (_, i) => failed(i * 2000));
  const raised = feed(s, events).filter((a) => a.type === "brute_force");
  // Raised at 8 s (5th failure); then every 5 s or more; high at 28 s (15th), critical at 98 s (50th).
  const at = raised.map((a) => (Date.parse(a.lastTs) - T0) / 1000);
  assert.deepEqual(at, [8, 14, 20, 26, 28, 34, 40, 46, 52, 58, 64, 70, 76, 82, 88, 94, 98]);
  assert.deepEqual(raised.map((a) => a.severity).filter((v, i, all) => all[i - 1] !== v), [
    "medium",
    "high",
    "critical",
  ]);
  assert.deepEqual(raised.map((a) => a.value), at.map((t) => t / 2 + 1));
  assert.deepEqual(raised.map((a) => a.updates), at.map((t) => t / 2 - 3));
});

Deno.test("step - the anomaly's ts is the ISO time of the raising event, its id from that event", () => {
  const s = newActor(IP);
  const raised = feed(s, [0, 1_234, 2_500, 3_001, 4_047].map((t) => failed(t, { sensor: "vm7" })));
  const a = raised.find((x) => x.type === "brute_force");
  assert.ok(a);
  assert.equal(a.id, "brute_force-e4047");
  assert.equal(a.ts, "2026-01-01T00:00:04.047Z");
  assert.equal(a.lastTs, a.ts);
  assert.equal(a.ip, IP);
  assert.equal(a.sensor, "vm7");
  assert.equal(a.detector, "brute_force");
  assert.equal(a.status, "open");
  assert.equal(a.updates, 1);
  assert.equal(a.value, 5);
  assert.deepEqual(a.evidence, ["e0", "e1234", "e2500", "e3001", "e4047"]);
  assert.ok(!("emittedAt" in a), "actor-internal fields stay inside");
  Anomaly.parse(a);
});

Deno.test("step - a new burst after the window closed is a new anomaly; one while open updates it", () => {
  const s = newActor(IP);
  const first = feed(s, Array.from({ length: 10 }, (_, i) => failed(i * 1000, { id: `a${i}` })))
    .filter((a) => a.type === "brute_force");
  assert.equal(first[0].id, "brute_force-a4");
  const lastTs = Date.parse(s.open.brute_force.lastTs);
  // 9 min later the earlier failures are still in the 10 min window: it fires at once, same anomaly.
  const again = feed(s, [failed(lastTs - T0 + 540_000, { id: "b0" })]).filter((a) =>
    a.type === "brute_force"
  );
  assert.equal(again.length, 1);
  assert.equal(again[0].id, "brute_force-a4");
  assert.equal(again[0].updates, 7);
  // More than 10 min after the last firing the anomaly is closed: the next burst is new.
  const start = Date.parse(s.open.brute_force.lastTs) - T0 + 600_001;
  const second = feed(s, Array.from({ length: 5 }, (_, i) => failed(start + i, { id: `c${i}` })))
    .filter((a) => a.type === "brute_force");
  assert.equal(second.length, 1);
  assert.equal(second[0].id, "brute_force-c4");
  assert.equal(second[0].updates, 1);
  assert.equal(second[0].value, 5);
  assert.equal(second[0].ts, toIso(T0 + start + 4));
  assert.equal(s.open.brute_force.id, "brute_force-c4");
});

Deno.test("step - an open anomaly's evidence stays bounded, keeping how it started and the latest", () => {
  const s = newActor(IP);
  const events = Array.from({ length: 200 }, (_, i) => failed(i * 500));
  feed(s, events);
  for (const a of Object.values(s.open)) {
    assert.ok(a.evidence.length <= 30, `${a.type}: ${a.evidence.length} evidence ids`);
  }
  const ev = s.open.brute_force.evidence;
  assert.equal(ev.length, 30);
  assert.deepEqual(ev.slice(0, 5), ["e0", "e500", "e1000", "e1500", "e2000"]);
  assert.equal(ev.at(-1), "e99500");
  assert.equal(new Set(ev).size, ev.length);
});

Deno.test("step - one open anomaly per type: every detector keeps its own", () => {
  const s = newActor(IP);
  // 120 failed logins plus a forward to each of 20 ports within 10 s: every detector fires.
  const events: NormalisedEvent[] = [];
  for (let i = 0; i < 120; i++) events.push(failed(i * 50));
  for (let p = 0; p < 20; p++) events.push(ev(6000 + p * 10, { kind: "tcpip_request", dst_port: 8000 + p }));
  // slow_brute_force also needs its bucket to have filled for 10 min: one more failure then.
  events.push(failed(601_000));
  const raised = feed(s, events);
  const idsByType = new Map<string, Set<string>>();
  for (const a of raised) idsByType.set(a.type, (idsByType.get(a.type) ?? new Set()).add(a.id));
  assert.deepEqual([...idsByType.keys()].sort(), [
    "brute_force",
    "port_scan",
    "rate_burst",
    "slow_brute_force",
  ]);
  for (const [type, ids] of idsByType) assert.equal(ids.size, 1, type);
  assert.deepEqual(Object.keys(s.open).sort(), [
    "brute_force",
    "port_scan",
    "rate_burst",
    "slow_brute_force",
  ]);
});

Deno.test("step - returned anomalies are copies: changing one leaves the actor's open anomaly alone", () => {
  const s = newActor(IP);
  const [a] = feed(s, [0, 1, 2, 3, 4].map((t) => failed(t)));
  a.evidence.push("x");
  a.features.failed_logins = 999;
  assert.equal(s.open.brute_force.evidence.includes("x"), false);
  assert.equal(s.open.brute_force.features.failed_logins, 5);
});

Deno.test("step - state is plain JSON: a round trip through storage changes nothing downstream", () => {
  const events: NormalisedEvent[] = [];
  for (let i = 0; i < 300; i++) {
    const kind = (["login_failed", "connect", "tcpip_request", "command"] as const)[i % 4];
    events.push(ev(i * 300, { kind, dst_port: 1000 + (i % 37), username: `u${i % 7}` }));
  }
  const a = newActor(IP);
  let b = newActor(IP);
  const outA: Anomaly[] = [];
  const outB: Anomaly[] = [];
  for (const [i, e] of events.entries()) {
    outA.push(...step(a, e, detectors).anomalies);
    outB.push(...step(b, e, detectors).anomalies);
    if (i % 13 === 0) b = JSON.parse(JSON.stringify(b));
  }
  assert.deepEqual(b, a);
  assert.deepEqual(outB, outA);
  assert.ok(outA.length > 0);
});

Deno.test("takeUnsent - returns updates held back by the throttle once, then nothing", () => {
  const s = newActor(IP);
  const raised = feed(s, Array.from({ length: 7 }, (_, i) => failed(i * 1000)));
  assert.deepEqual(raised.map((a) => [a.type, a.updates]), [["brute_force", 1]]);
  const unsent = takeUnsent(s);
  assert.equal(unsent.length, 1);
  assert.equal(unsent[0].id, "brute_force-e4000");
  assert.equal(unsent[0].updates, 3);
  assert.equal(unsent[0].value, 7);
  assert.equal(unsent[0].lastTs, toIso(T0 + 6000));
  assert.ok(!("unsent" in unsent[0]) && !("emittedAt" in unsent[0]));
  assert.deepEqual(takeUnsent(s), []);
  // An update that is emitted at once leaves nothing to send later.
  feed(s, [failed(20_000)]);
  assert.deepEqual(takeUnsent(s), []);
});
