import assert from "node:assert/strict";
import { recordVariants, timestampVariant } from "../../../lib/quality/variants.ts";

Deno.test("timestampVariant - names each Cowrie timestamp form", () => {
  assert.equal(timestampVariant("2026-11-25T08:40:03.047646Z"), "ts_z_fraction");
  assert.equal(timestampVariant("2017-01-01T00:00:00Z"), "ts_z_no_fraction");
  assert.equal(timestampVariant("2026-11-25T09:40:03.047646+0100"), "ts_offset");
  assert.equal(timestampVariant("2026-11-25T09:40:03+01:00"), "ts_offset");
  assert.equal(timestampVariant("2026-11-25 09:40:03"), "ts_other");
  assert.equal(timestampVariant(1700000000), "ts_other");
});

Deno.test("recordVariants - Cowrie lines and parsed records, the three duration encodings", () => {
  const ts = "2026-11-25T08:40:03.047646Z";
  assert.deepEqual(recordVariants("cowrie", { timestamp: ts, duration: 3.9, message: "" }), [
    "ts_z_fraction",
    "duration_float",
  ]);
  assert.deepEqual(recordVariants("cowrie", { timestamp: ts, duration: "10.1", message: "" }), [
    "ts_z_fraction",
    "duration_string",
  ]);
  assert.deepEqual(recordVariants("cowrie", { timestamp: ts, duration_ms: 12, message: "" }), [
    "ts_z_fraction",
    "duration_ms",
  ]);
  assert.deepEqual(recordVariants("cowrie", `{"timestamp":"${ts}","version":"b'SSH-2.0-Go'","message":[]}`), [
    "ts_z_fraction",
    "version_repr",
    "message_list",
  ]);
  assert.deepEqual(
    recordVariants("cowrie", `{"timestamp": "${ts}", "system": "x", "isError": 0, "message": "m"}`),
    [
      "json_spaced",
      "ts_z_fraction",
      "legacy_system",
    ],
  );
  assert.deepEqual(
    recordVariants("cowrie", '{"timestamp": "2026-'),
    [],
    "not JSON: counted as rejected instead",
  );
});

Deno.test("recordVariants - syslog stamps of line sources", () => {
  assert.deepEqual(recordVariants("sshd", "Nov 25 09:40:03 vm1 sshd[1]: Failed password"), ["syslog_bsd"]);
  assert.deepEqual(recordVariants("firewall", "2026-11-25T09:40:03.123+01:00 fw kernel: IN=eth0"), [
    "syslog_iso",
  ]);
  assert.deepEqual(recordVariants("sshd", "<38>Nov  5 09:40:03 vm1 sshd[1]: x"), ["syslog_bsd"]);
  assert.deepEqual(recordVariants("zeek", { ts: 1 }), []);
});
