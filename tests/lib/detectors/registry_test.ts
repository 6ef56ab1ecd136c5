import assert from "node:assert/strict";
import { buildDetectors, DetectorConfigError, registry } from "../../../lib/detectors/registry.ts";

/** The error `buildDetectors(config)` throws; fails when it throws none or another kind. */
function configError(config: Record<string, unknown>): DetectorConfigError {
  try {
    buildDetectors(config);
  } catch (e) {
    assert.ok(e instanceof DetectorConfigError, `expected a DetectorConfigError, got ${e}`);
    assert.equal(e.name, "DetectorConfigError");
    return e;
  }
  assert.fail(`buildDetectors(${JSON.stringify(config)}) did not throw`);
}

Deno.test("buildDetectors - with no config builds every registered detector with its defaults", () => {
  const ds = buildDetectors();
  assert.deepEqual(ds.map((d) => d.name), ["brute_force", "slow_brute_force", "port_scan", "rate_burst"]);
  assert.deepEqual(ds.map((d) => d.name), Object.keys(registry));
  assert.deepEqual(ds.map((d) => d.windowMs), [600_000, 6_000_000, 60_000, 10_000]);
  assert.deepEqual(buildDetectors({}).map((d) => d.name), Object.keys(registry));
});

Deno.test("buildDetectors - enabled: false leaves a detector out; true keeps it", () => {
  const ds = buildDetectors({ port_scan: { enabled: false }, rate_burst: { enabled: true, events: 50 } });
  assert.deepEqual(ds.map((d) => d.name), ["brute_force", "slow_brute_force", "rate_burst"]);
});

Deno.test("buildDetectors - an unknown detector name is a DetectorConfigError naming it and the known ones", () => {
  const e = configError({ brutforce: { maxretry: 3 } });
  assert.match(e.message, /"brutforce"/);
  assert.match(e.message, /known detectors are brute_force, slow_brute_force, port_scan, rate_burst/);
});

Deno.test("buildDetectors - a non-boolean enabled quotes the value and states the rule", () => {
  const e = configError({ brute_force: { enabled: "no" } });
  assert.equal(
    e.message,
    'Invalid config for detector "brute_force": field "enabled" is "no", must be true or false',
  );
});

Deno.test("buildDetectors - maxretry: 0 quotes the value and states the minimum", () => {
  const e = configError({ brute_force: { maxretry: 0 } });
  assert.match(e.message, /^Invalid config for detector "brute_force": field "maxretry" is 0, /);
  assert.match(e.message, />=\s*1/);
});

Deno.test('buildDetectors - findtime: "ten minutes" quotes the value and states the duration rule', () => {
  const e = configError({ brute_force: { findtime: "ten minutes" } });
  assert.equal(
    e.message,
    'Invalid config for detector "brute_force": field "findtime" is "ten minutes", ' +
      'must be a positive duration such as "30s", "10m" or "1h"',
  );
});

Deno.test("buildDetectors - other invalid values each quote the value", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ brute_force: { maxretry: 2.5 } }, /field "maxretry" is 2\.5, .*int/],
    [{ brute_force: { maxretry: "5" } }, /field "maxretry" is "5", .*number/],
    [{ slow_brute_force: { leakspeed: 0 } }, /field "leakspeed" is 0, must be a positive duration/],
    [{ slow_brute_force: { capacity: 0 } }, /field "capacity" is 0, .*>=\s*1/],
    [{ port_scan: { ports: 1 } }, /field "ports" is 1, .*>=\s*2/],
    [{ port_scan: { window: "-1m" } }, /field "window" is "-1m", must be a positive duration/],
    [{ rate_burst: { events: 1 } }, /field "events" is 1, .*>=\s*2/],
    [{ rate_burst: { window: "10 s" } }, /field "window" is "10 s", must be a positive duration/],
  ];
  for (const [config, re] of cases) assert.match(configError(config).message, re, JSON.stringify(config));
});

Deno.test("buildDetectors - an unknown option is an error naming it", () => {
  assert.match(configError({ brute_force: { maxretries: 3 } }).message, /"brute_force".*"maxretries"/);
});

Deno.test("buildDetectors - a detector config that is not an object quotes it", () => {
  for (const raw of [5, "on", [1]]) {
    assert.match(
      configError({ rate_burst: raw }).message,
      new RegExp(`"rate_burst": is ${JSON.stringify(raw).replace(/[[\]]/g, "\\$&")}, must be an object`),
    );
  }
});
