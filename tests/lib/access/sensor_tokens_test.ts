import assert from "node:assert/strict";
import {
  IngestAuth,
  issueSensorToken,
  listSensorTokens,
  revokeSensorToken,
  sha256Hex,
} from "../../../lib/access/mod.ts";

Deno.test("sensor tokens - stored as SHA-256 only, bound to their sensor, revocable", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let now = 1000;
    const token = await issueSensorToken(kv, "vm1", now);
    assert.match(token, /^hw_[A-Za-z0-9_-]{43}$/);
    const stored = await listSensorTokens(kv);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].sha256, await sha256Hex(token));
    assert.ok(!JSON.stringify(stored).includes(token), "the token itself is not stored");

    const auth = new IngestAuth({ kv, globalToken: "global-token-123", configTokens: {}, now: () => now });
    assert.deepEqual(await auth.verify(token, "vm1"), { via: "sensor", sha256: await sha256Hex(token) });
    assert.equal(await auth.verify(token, "vm2"), null, "a sensor token is no good for another sensor");
    assert.deepEqual(await auth.verify("global-token-123", "vm2"), { via: "global" });
    assert.equal(await auth.verify("nope", "vm1"), null);

    const grant = (await auth.verify(token, "vm1"))!;
    assert.equal(await auth.stillValid("vm1", grant), true);
    now += 1000;
    assert.equal(await revokeSensorToken(kv, "vm1", now), true);
    assert.equal(await auth.verify(token, "vm1"), null, "a revoked token is refused at once on hello");
    now += 6000; // past the cache
    assert.equal(await auth.stillValid("vm1", grant), false, "open connections see it within the cache time");
    assert.equal(await revokeSensorToken(kv, "nobody", now), false);
  } finally {
    kv.close();
  }
});

Deno.test("sensor tokens - config-file hashes are accepted for their sensor", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const sha = await sha256Hex("file-token-abcdefgh");
    const auth = new IngestAuth({ kv, globalToken: undefined, configTokens: { edge: sha }, now: () => 0 });
    assert.equal((await auth.verify("file-token-abcdefgh", "edge"))?.via, "sensor");
    assert.equal(await auth.verify("file-token-abcdefgh", "other"), null);
  } finally {
    kv.close();
  }
});
