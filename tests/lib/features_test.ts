import assert from "node:assert/strict";
import { newActor, step } from "../../actors/actor.ts";
import { entropy, FEATURE_NAMES, featureVector, scaleFeatures } from "../../lib/features.ts";
import { ev, failed, T0 } from "../actors/_events.ts";

Deno.test("featureVector - windows, ratios, sessions and ports from actor state", () => {
  const s = newActor("203.0.113.9");
  const events = [
    ev(0, { kind: "connect" }),
    failed(1_000, { password: "a" }),
    failed(2_000, { password: "b" }),
    failed(100_000, { password: "c" }),
    ev(101_000, { kind: "login_success", username: "root", password: "d" }),
    ev(102_000, { kind: "command", command: "uname -a" }),
    ev(103_000, { kind: "command", command: "uname -a" }),
    ev(104_000, { kind: "download", sha256: "ab", bytes: 1000 }),
    ev(105_000, { kind: "tcpip_request", dst_port: 80 }),
    ev(105_500, { kind: "tcpip_request", dst_port: 443 }),
    ev(110_000, { kind: "closed", duration_ms: 110_000 }),
  ];
  for (const e of events) step(s, e, []);
  const x = featureVector(s, T0 + 110_000);
  assert.deepEqual(Object.keys(x), [...FEATURE_NAMES]);
  assert.equal(x.failed_logins_30s, 1); // the failure 10 s before
  assert.equal(featureVector(s, T0 + 150_000).failed_logins_30s, 0);
  assert.equal(x.failed_logins_5m, 3);
  assert.equal(x.success_rate, 0.25);
  assert.equal(x.failed_success_ratio, 1.5);
  assert.equal(x.distinct_passwords, 4);
  assert.equal(x.distinct_ports_1m, 2);
  assert.equal(x.port_entropy, 1);
  assert.equal(x.commands_per_session, 2);
  assert.equal(x.distinct_commands, 1);
  assert.equal(x.downloads, 1);
  assert.equal(x.bytes, 1000);
  assert.equal(x.session_duration_s, 110);
  assert.equal(x.hour_of_day, 0);
  assert.equal(x.weekday, 4); // 2026-01-01 is a Thursday
  assert.equal(x.internal, 0);
  assert.equal(featureVector(newActor("10.1.2.3"), T0).internal, 1);
});

Deno.test("featureVector - an actor stored before feature state existed still has features", () => {
  const s = newActor("203.0.113.9");
  step(s, failed(0), []);
  delete s.fx;
  assert.equal(featureVector(s, T0).failed_logins_5m, 0);
  step(s, failed(1), []);
  assert.equal(featureVector(s, T0 + 1).failed_logins_5m, 1);
});

Deno.test("scaleFeatures - every feature lands in [0, 1], counts saturate at their cap", () => {
  const x = Object.fromEntries(FEATURE_NAMES.map((n) => [n, 1e12]));
  for (const v of Object.values(scaleFeatures(x))) assert.equal(v, 1);
  const zero = scaleFeatures(Object.fromEntries(FEATURE_NAMES.map((n) => [n, 0])));
  for (const v of Object.values(zero)) assert.equal(v, 0);
  const mid = scaleFeatures({ failed_logins_30s: 10 });
  assert.ok(mid.failed_logins_30s > 0.4 && mid.failed_logins_30s < 0.6);
});

Deno.test("entropy - bits of a count table", () => {
  assert.equal(entropy({}), 0);
  assert.equal(entropy({ a: 5 }), 0);
  assert.equal(entropy({ a: 1, b: 1, c: 1, d: 1 }), 2);
});
