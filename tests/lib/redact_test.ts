import assert from "node:assert/strict";
import { maskPassword, truncateIp } from "../../lib/redact.ts";
import { redactTop } from "../../routes/public.tsx";

Deno.test("redact - IPv4 to /24, IPv6 to /48, anything else hidden", () => {
  assert.equal(truncateIp("203.0.113.77"), "203.0.113.0/24");
  assert.equal(truncateIp("::ffff:198.51.100.1"), "198.51.100.0/24");
  assert.equal(truncateIp("2001:db8:1:2::5"), "2001:db8:1::/48");
  assert.equal(truncateIp("2001:DB8::1"), "2001:db8::/48");
  assert.equal(truncateIp("*"), "(hidden)");
});

Deno.test("redact - passwords become bullets, never their text", () => {
  assert.equal(maskPassword("123456"), "••••••");
  assert.equal(maskPassword("a"), "••••");
  assert.equal(maskPassword("x".repeat(40)), "•".repeat(12));
});

Deno.test("redact - top lists merge values that redact alike", () => {
  assert.deepEqual(
    redactTop([{ value: "203.0.113.1", count: 2 }, { value: "198.51.100.1", count: 3 }, {
      value: "203.0.113.2",
      count: 2,
    }], truncateIp),
    [{ value: "203.0.113.0/24", count: 4 }, { value: "198.51.100.0/24", count: 3 }],
  );
});
