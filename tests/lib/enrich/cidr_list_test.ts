import assert from "node:assert/strict";
import { CidrList } from "../../../lib/enrich/cidr_list.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../../fixtures/reputation/${name}`, import.meta.url));

Deno.test("CidrList - FireHOL netset: addresses and CIDRs, comments ignored, adjacent blocks merged", () => {
  const { list, skipped } = CidrList.parse("firehol_level1", fixture("firehol_level1.netset"));
  assert.equal(skipped, 0);
  assert.equal(list.size, 5);
  for (
    const ip of ["0.1.2.3", "192.0.2.128", "192.0.2.255", "198.51.100.7", "203.0.113.0", "203.0.113.127"]
  ) {
    assert.ok(list.has(ip), ip);
  }
  for (
    const ip of ["192.0.2.127", "198.51.100.6", "198.51.100.8", "203.0.113.128", "1.1.1.1", "2001:db8::1"]
  ) {
    assert.ok(!list.has(ip), ip);
  }
});

Deno.test("CidrList - Spamhaus DROP text (with IPv6) and its NDJSON form", () => {
  const { list, skipped } = CidrList.parse("drop", fixture("drop.txt"));
  assert.equal(skipped, 1, "the bad line is counted, not fatal");
  assert.ok(list.has("203.0.113.200"));
  assert.ok(list.has("203.0.113.207"));
  assert.ok(!list.has("203.0.113.208"));
  assert.ok(list.has("2001:db8:dead:1::5"));
  assert.ok(list.has("2001:DB8:DEAD::"));
  assert.ok(!list.has("2001:db8:beef::1"));
  const json = CidrList.parse("drop_v4", fixture("drop_v4.json")).list;
  assert.ok(json.has("198.51.100.95"));
  assert.ok(!json.has("198.51.100.96"));
});

Deno.test("CidrList - a host address inside a CIDR is aligned to the block", () => {
  const { list } = CidrList.parse("x", "10.1.2.3/16\n");
  assert.ok(list.has("10.1.0.0"));
  assert.ok(list.has("10.1.255.255"));
  assert.ok(!list.has("10.2.0.0"));
});
