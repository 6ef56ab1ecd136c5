import assert from "node:assert/strict";
import { ipv4ToInt, isPrivateIp, normaliseIp } from "../../lib/ip.ts";

Deno.test("normaliseIp - keeps valid dotted IPv4", () => {
  for (const ip of ["0.0.0.0", "1.2.3.4", "203.0.113.9", "255.255.255.255", "10.0.0.1"]) {
    assert.equal(normaliseIp(ip), ip);
  }
});

Deno.test("normaliseIp - rejects malformed IPv4, leading zeros and host names", () => {
  for (
    const s of [
      "",
      "abc",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "1.2.3.256",
      "01.2.3.4",
      "1.2.3.04",
      "1..2.3",
      "1.2.3.4.",
      ".1.2.3",
      " 1.2.3.4",
      "1.2.3.4 ",
      "1.2.3.-4",
      "1234.1.1.1",
      "0x7f.0.0.1",
      "attacker.example",
      "ya.ru",
      "localhost",
    ]
  ) {
    assert.equal(normaliseIp(s), null, s);
  }
});

Deno.test("normaliseIp - folds IPv4-mapped IPv6 to IPv4", () => {
  assert.equal(normaliseIp("::ffff:1.2.3.4"), "1.2.3.4");
  assert.equal(normaliseIp("::FFFF:1.2.3.4"), "1.2.3.4");
  assert.equal(normaliseIp("::ffff:102:304"), "1.2.3.4");
  assert.equal(normaliseIp("0:0:0:0:0:ffff:c633:6408"), "198.51.100.8");
  assert.equal(normaliseIp("::ffff:01.2.3.4"), null);
});

Deno.test("normaliseIp - writes IPv6 in RFC 5952 form", () => {
  const cases: [string, string][] = [
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // first of two equal runs
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group is not "::"
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longest run wins
    ["::1", "::1"],
    ["::", "::"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["fe80::", "fe80::"],
    ["FC00::ABCD", "fc00::abcd"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["::1.2.3.4", "::102:304"], // IPv4-compatible (deprecated) is not folded
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
  ];
  for (const [input, want] of cases) assert.equal(normaliseIp(input), want, input);
});

Deno.test("normaliseIp - rejects malformed IPv6", () => {
  for (
    const s of [
      ":",
      ":::",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      ":1::",
      "1::2:",
      "12345::",
      "g::1",
      "fe80::1%eth0",
      "[::1]",
      "1.2.3.4::",
      "::1.2.3",
      "1:2:3:4:5:6:7:1.2.3.4",
      "::ffff:1.2.3.4:5",
    ]
  ) {
    assert.equal(normaliseIp(s), null, s);
  }
});

Deno.test("isPrivateIp - recognises private, loopback, link-local, CGNAT and ULA ranges", () => {
  for (
    const ip of [
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "127.0.0.66",
      "169.254.1.1",
      "100.64.0.1",
      "100.127.255.255",
      "::1",
      "fc00::1",
      "fd12:3456::1",
      "fe80::1",
      "::ffff:10.0.0.1",
    ]
  ) {
    assert.equal(isPrivateIp(ip), true, ip);
  }
});

Deno.test("isPrivateIp - is false for public addresses and non-addresses", () => {
  for (
    const ip of [
      "8.8.8.8",
      "172.15.255.255",
      "172.32.0.0",
      "100.63.255.255",
      "100.128.0.0",
      "192.169.0.1",
      "2001:db8::1",
      "fec0::1",
      "::2",
      "abc",
    ]
  ) {
    assert.equal(isPrivateIp(ip), false, ip);
  }
});

Deno.test("ipv4ToInt - converts dotted IPv4 to an unsigned integer", () => {
  assert.equal(ipv4ToInt("0.0.0.0"), 0);
  assert.equal(ipv4ToInt("1.2.3.4"), 0x01020304);
  assert.equal(ipv4ToInt("255.255.255.255"), 4294967295);
  assert.equal(ipv4ToInt("::1"), null);
  assert.equal(ipv4ToInt("01.2.3.4"), null);
});
