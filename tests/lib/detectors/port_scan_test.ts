import assert from "node:assert/strict";
import type { Detector, Firing } from "../../../lib/detectors/detector.ts";
import { portScan, portScanConfig } from "../../../lib/detectors/port_scan.ts";
import { buildDetectors } from "../../../lib/detectors/registry.ts";
import type { NormalisedEvent } from "../../../lib/schema.ts";
import { ev, forward } from "./_events.ts";

function run(d: Detector, events: NormalisedEvent[]): (Firing | null)[] {
  const s = d.init();
  return events.map((e) => d.step(s, e));
}

const defaults = () => portScan(portScanConfig.parse({}));
/** `n` requests to distinct ports 1000, 1001, ..., one every `every` ms, starting at `start`. */
const scan = (n: number, every: number, start = 0) =>
  Array.from({ length: n }, (_, i) => forward(start + i * every, 1000 + i));

Deno.test("portScan - defaults are 15 distinct ports in 1 min", () => {
  const d = defaults();
  assert.equal(d.name, "port_scan");
  assert.equal(d.windowMs, 60_000);
});

Deno.test("portScan - 15 distinct ports in 60 s fire on the 15th", () => {
  const out = run(defaults(), scan(15, 4_000)); // the 15th is 56 s after the 1st
  assert.ok(out.slice(0, 14).every((f) => f === null));
  assert.equal(out[14]?.value, 15);
});

Deno.test("portScan - 15 distinct ports just under 60 s apart still fire", () => {
  const events = scan(15, 1_000);
  events[14] = forward(59_999, 1014);
  assert.equal(run(defaults(), events)[14]?.value, 15);
});

Deno.test("portScan - 14 distinct ports do not fire", () => {
  assert.ok(run(defaults(), scan(14, 1_000)).every((f) => f === null));
});

Deno.test("portScan - 15 ports spread over more than 60 s do not fire", () => {
  const events = scan(15, 1_000);
  events[14] = forward(60_001, 1014);
  assert.ok(run(defaults(), events).every((f) => f === null));
  // Exactly 60 s: the first port has left the window (ts - window, ts].
  events[14] = forward(60_000, 1014);
  assert.ok(run(defaults(), events).every((f) => f === null));
  // A slow scan at one port every 4.3 s never has 15 in one minute.
  assert.ok(run(defaults(), scan(200, 4_300)).every((f) => f === null));
});

Deno.test("portScan - the same port over and over does not fire", () => {
  const events = Array.from({ length: 500 }, (_, i) => forward(i * 10, 22));
  assert.ok(run(defaults(), events).every((f) => f === null));
});

Deno.test("portScan - a port seen again inside the window is counted once", () => {
  const events = [...scan(14, 1_000), ...scan(14, 1_000, 20_000)];
  assert.ok(run(defaults(), events).every((f) => f === null));
});

Deno.test("portScan - only kinds that name a target port count", () => {
  const events = Array.from(
    { length: 30 },
    (_, i) => ev(i * 100, { kind: i % 2 ? "login_failed" : "command", dst_port: 2000 + i }),
  );
  assert.ok(run(defaults(), events).every((f) => f === null));
  for (const kind of ["tcpip_request", "firewall", "conn"] as const) {
    const out = run(defaults(), scan(15, 100).map((e) => ({ ...e, kind })));
    assert.equal(out[14]?.value, 15, kind);
  }
});

Deno.test("portScan - explanation: value, window, port range, evidence and reason", () => {
  const f = run(defaults(), scan(15, 1_000))[14];
  assert.ok(f);
  assert.equal(f.value, 15);
  assert.equal(f.threshold, 15);
  assert.deepEqual(f.window, { ms: 60_000, label: "1m" });
  // The sample is the 10 most recent ports, in numeric order.
  assert.deepEqual(f.features, { distinct_ports: 15, lowest_port: 1005, highest_port: 1014 });
  assert.deepEqual(f.evidence, scan(15, 1_000).map((e) => e.id));
  assert.equal(
    f.reason,
    "15 distinct destination ports in 1m (threshold 15), e.g. 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014",
  );
  assert.equal(f.severity, "medium");
});

Deno.test("portScan - evidence is bounded to 20 first sightings", () => {
  const f = run(defaults(), scan(60, 100)).at(-1);
  assert.equal(f?.value, 60);
  assert.equal(f?.evidence.length, 20);
  assert.equal(f?.evidence.at(-1), "e5900");
});

// Regression: evidence once kept the first sighting of every port for ever (up to 20), so a
// firing cited ports probed hours before, outside its window.
Deno.test("portScan - evidence cites only ports seen in the window", () => {
  const d = defaults();
  const s = d.init();
  for (const e of scan(10, 1_000)) d.step(s, e); // an hour before the scan that fires
  let f: Firing | null = null;
  for (const e of scan(15, 1_000, 3_600_000).map((e) => ({ ...e, dst_port: e.dst_port! + 100 }))) {
    f = d.step(s, e);
  }
  assert.equal(f?.value, 15);
  assert.deepEqual(f?.evidence, scan(15, 1_000, 3_600_000).map((e) => e.id));
});

Deno.test("portScan - config overrides ports and window", () => {
  const d = buildDetectors({ port_scan: { ports: 3, window: "10s" } }).find((x) => x.name === "port_scan")!;
  assert.equal(d.windowMs, 10_000);
  const out = run(d, scan(3, 4_999));
  assert.equal(out[2]?.value, 3);
  assert.equal(out[2]?.window.label, "10s");
  assert.ok(run(d, scan(3, 5_000)).every((f) => f === null));
});
