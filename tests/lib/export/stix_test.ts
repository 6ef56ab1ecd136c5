import assert from "node:assert/strict";
import { stixBundle, type StixObject, uuidV5 } from "../../../lib/export/stix.ts";
import type { Anomaly } from "../../../lib/schema.ts";

/** STIX 2.1 (OASIS, 2021) required properties per object type, sections 3.2, 4.7, 4.12, 5.7. */
const COMMON = ["type", "spec_version", "id", "created", "modified"];
const REQUIRED: Record<string, string[]> = {
  identity: [...COMMON, "name"],
  indicator: [...COMMON, "pattern", "pattern_type", "valid_from"],
  sighting: [...COMMON, "sighting_of_ref"],
};
const ID = /^[a-z][a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function assertValidStixBundle(bundle: { type: string; id: string; objects: StixObject[] }): void {
  assert.equal(bundle.type, "bundle");
  assert.match(bundle.id, ID);
  assert.ok(bundle.id.startsWith("bundle--"));
  const ids = new Set(bundle.objects.map((o) => o.id));
  assert.equal(ids.size, bundle.objects.length, "ids are unique");
  for (const o of bundle.objects) {
    const req = REQUIRED[o.type];
    assert.ok(req, `unexpected type ${o.type}`);
    for (const p of req) assert.ok(o[p] !== undefined, `${o.type} lacks required "${p}"`);
    assert.equal(o.spec_version, "2.1");
    assert.match(o.id, ID);
    assert.ok(o.id.startsWith(`${o.type}--`), `${o.id} is not a ${o.type} id`);
    for (const t of ["created", "modified", "valid_from", "valid_until", "first_seen", "last_seen"]) {
      if (o[t] !== undefined) assert.match(String(o[t]), TIMESTAMP, `${o.type}.${t}`);
    }
    assert.ok(Date.parse(o.modified) >= Date.parse(o.created), "modified >= created");
    if (o.created_by_ref) assert.ok(ids.has(String(o.created_by_ref)), "created_by_ref resolves");
    if (o.type === "identity") assert.equal(typeof o.name, "string");
    if (o.type === "indicator") {
      assert.equal(o.pattern_type, "stix");
      assert.match(String(o.pattern), /^\[ipv[46]-addr:value = '[0-9a-f.:]+'\]$/);
      if (o.valid_until) assert.ok(Date.parse(String(o.valid_until)) > Date.parse(String(o.valid_from)));
    }
    if (o.type === "sighting") {
      assert.ok(ids.has(String(o.sighting_of_ref)), "sighting_of_ref resolves");
      assert.ok(Date.parse(String(o.last_seen)) >= Date.parse(String(o.first_seen)));
      const count = Number(o.count);
      assert.ok(Number.isInteger(count) && count >= 0 && count <= 999_999_999);
      for (const r of (o.where_sighted_refs as string[]) ?? []) assert.ok(r.startsWith("identity--"));
    }
  }
}

function anomaly(ip: string, type: string, sensor: string, ts: string, lastTs: string): Anomaly {
  return {
    id: `${type}-${ip}-${ts}`,
    type,
    detector: type,
    ip,
    sensor,
    ts,
    lastTs,
    severity: "high",
    score: 0.7,
    reason: `${ip} did ${type}`,
    window: { ms: 600_000, label: "10m" },
    threshold: 5,
    value: 15,
    features: {},
    evidence: [],
    updates: 2,
    status: "open",
  };
}

Deno.test("uuidV5 - matches the RFC 4122 example (DNS namespace, python.org)", async () => {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
  assert.equal(
    await uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
    "886313e1-3b8a-5372-9b90-0c9aee199e5d",
  );
});

Deno.test("stixBundle - one indicator per IP, one sighting per sensor, all required properties", async () => {
  const bundle = await stixBundle([
    anomaly("203.0.113.7", "brute_force", "vm1", "2026-11-25T10:00:00.000Z", "2026-11-25T10:05:00.000Z"),
    anomaly("203.0.113.7", "port_scan", "vm2", "2026-11-25T10:01:00.000Z", "2026-11-25T10:02:00.000Z"),
    anomaly("2001:db8::1", "brute_force", "vm1", "2026-11-25T11:00:00.000Z", "2026-11-25T11:00:00.000Z"),
  ], { name: "honeywatch", validForMs: 86_400_000, now: Date.parse("2026-11-25T12:00:00Z") });
  assertValidStixBundle(bundle);
  const byType = (t: string) => bundle.objects.filter((o) => o.type === t);
  assert.equal(byType("identity").length, 1);
  const indicators = byType("indicator");
  assert.deepEqual(indicators.map((o) => o.pattern).sort(), [
    "[ipv4-addr:value = '203.0.113.7']",
    "[ipv6-addr:value = '2001:db8::1']",
  ]);
  const v4 = indicators.find((o) => String(o.pattern).includes("203.0.113.7"))!;
  assert.deepEqual(v4.labels, ["brute_force", "port_scan"]);
  assert.equal(v4.valid_until, "2026-11-26T10:05:00.000Z");
  const sightings = byType("sighting").filter((o) => o.sighting_of_ref === v4.id);
  assert.equal(sightings.length, 2);
  // Same input, same object ids: a TIP updates instead of duplicating.
  const again = await stixBundle([
    anomaly("203.0.113.7", "brute_force", "vm1", "2026-11-25T10:00:00.000Z", "2026-11-25T10:05:00.000Z"),
  ], { name: "honeywatch", validForMs: 86_400_000, now: 0 });
  assert.ok(again.objects.some((o) => o.id === v4.id));
});
