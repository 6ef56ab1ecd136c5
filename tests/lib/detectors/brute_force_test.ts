import assert from "node:assert/strict";
import { bruteForce, bruteForceConfig } from "../../../lib/detectors/brute_force.ts";
import type { Detector, Firing } from "../../../lib/detectors/detector.ts";
import { buildDetectors } from "../../../lib/detectors/registry.ts";
import type { NormalisedEvent } from "../../../lib/schema.ts";
import { ev, failed } from "./_events.ts";

/** Feed events to a fresh detector state; one result per event. */
function run(d: Detector, events: NormalisedEvent[]): (Firing | null)[] {
  const s = d.init();
  return events.map((e) => d.step(s, e));
}

const defaults = () => bruteForce(bruteForceConfig.parse({}));

Deno.test("bruteForce - defaults are fail2ban's sshd jail: 5 failures in 10 min", () => {
  const d = defaults();
  assert.equal(d.name, "brute_force");
  assert.equal(d.type, "brute_force");
  assert.equal(d.windowMs, 600_000);
});

Deno.test("bruteForce - fires on the 5th failed login within 10 min, not before", () => {
  const out = run(defaults(), [0, 100_000, 200_000, 300_000, 599_999].map((t) => failed(t)));
  assert.deepEqual(out.slice(0, 4), [null, null, null, null]);
  assert.equal(out[4]?.value, 5);
});

Deno.test("bruteForce - does not fire for 5 failures spread over 10 min + 1 ms", () => {
  const out = run(defaults(), [0, 100_000, 200_000, 300_000, 600_001].map((t) => failed(t)));
  assert.deepEqual(out, [null, null, null, null, null]);
});

Deno.test("bruteForce - a failure exactly findtime old has left the window", () => {
  // The window is (ts - findtime, ts]: 5 failures spanning exactly 10 min are 4 in the window.
  const out = run(defaults(), [0, 100_000, 200_000, 300_000, 600_000].map((t) => failed(t)));
  assert.deepEqual(out, [null, null, null, null, null]);
});

Deno.test("bruteForce - counts only login_failed", () => {
  const others: NormalisedEvent["kind"][] = [
    "connect",
    "client_version",
    "login_success",
    "command",
    "command_failed",
    "closed",
    "tcpip_request",
  ];
  const events: NormalisedEvent[] = [];
  let t = 0;
  for (let i = 0; i < 4; i++) {
    events.push(failed(t++));
    for (const kind of others) events.push(ev(t++, { kind, username: "root" }));
  }
  const out = run(defaults(), events);
  assert.ok(out.every((f) => f === null), "4 failures among 28 other events must not fire");
  const d = defaults();
  const s = d.init();
  for (const e of events) d.step(s, e);
  const fifth = d.step(s, failed(t));
  assert.equal(fifth?.value, 5);
  assert.deepEqual(fifth?.evidence, [
    ...events.filter((e) => e.kind === "login_failed").map((e) => e.id),
    `e${t}`,
  ]);
});

Deno.test("bruteForce - failures that left the window are no longer counted or cited", () => {
  const d = defaults();
  const s = d.init();
  for (const t of [0, 1000, 2000]) d.step(s, failed(t));
  const out = [700_000, 700_001, 700_002, 700_003, 700_004].map((t) => d.step(s, failed(t)));
  assert.deepEqual(out.slice(0, 4), [null, null, null, null]);
  assert.equal(out[4]?.value, 5);
  assert.deepEqual(out[4]?.evidence, ["e700000", "e700001", "e700002", "e700003", "e700004"]);
});

Deno.test("bruteForce - config overrides maxretry and findtime", () => {
  const [d] = buildDetectors({
    brute_force: { maxretry: 3, findtime: "1m" },
    slow_brute_force: { enabled: false },
    port_scan: { enabled: false },
    rate_burst: { enabled: false },
  });
  assert.equal(d.name, "brute_force");
  assert.equal(d.windowMs, 60_000);
  const fires = run(d, [0, 30_000, 59_999].map((t) => failed(t)));
  assert.deepEqual(fires.slice(0, 2), [null, null]);
  assert.equal(fires[2]?.value, 3);
  assert.equal(fires[2]?.threshold, 3);
  assert.deepEqual(fires[2]?.window, { ms: 60_000, label: "1m" });
  assert.deepEqual(run(d, [0, 30_000, 60_000].map((t) => failed(t))), [null, null, null]);
});

Deno.test("bruteForce - explanation: value, threshold, window label, evidence and reason", () => {
  const users = ["root", "admin", "root", "ubuntu", "root"];
  const events = users.map((u, i) => failed(i * 10_000, { username: u, id: `vm1.1.${i}` }));
  const f = run(defaults(), events)[4];
  assert.ok(f);
  assert.deepEqual(f, {
    value: 5,
    threshold: 5,
    window: { ms: 600_000, label: "10m" },
    features: { failed_logins: 5, distinct_usernames: 3 },
    evidence: ["vm1.1.0", "vm1.1.1", "vm1.1.2", "vm1.1.3", "vm1.1.4"],
    reason: "5 failed logins in 10m (threshold 5) across 3 usernames",
    severity: "medium",
    score: 0.5,
  });
});

Deno.test("bruteForce - reason names no usernames when only one was tried", () => {
  const f = run(defaults(), [0, 1, 2, 3, 4].map((t) => failed(t)))[4];
  assert.equal(f?.reason, "5 failed logins in 10m (threshold 5)");
  assert.equal(f?.features.distinct_usernames, 1);
});

Deno.test("bruteForce - evidence is bounded to the latest 20 failures and severity grows with the count", () => {
  const out = run(defaults(), Array.from({ length: 60 }, (_, i) => failed(i * 1000)));
  assert.equal(out[14]?.value, 15);
  assert.equal(out[14]?.severity, "high");
  assert.equal(out[49]?.severity, "critical");
  const last = out[59];
  assert.equal(last?.value, 60);
  assert.equal(last?.evidence.length, 20);
  assert.deepEqual(last?.evidence, Array.from({ length: 20 }, (_, i) => `e${(40 + i) * 1000}`));
});

Deno.test("bruteForce - a folded repeat (raw.repeated) counts as that many failures, cited once", () => {
  const out = run(defaults(), [failed(0), failed(1000, { raw: { repeated: 4 } })]);
  assert.equal(out[0], null);
  assert.equal(out[1]?.value, 5);
  assert.deepEqual(out[1]?.evidence, ["e0", "e1000"]);
  // Not a positive integer above 1: counts once.
  for (const repeated of [1, 0, -3, 2.5, "4"]) {
    assert.deepEqual(
      run(defaults(), [failed(0), failed(1, { raw: { repeated } })]),
      [null, null],
      String(repeated),
    );
  }
});
