import assert from "node:assert/strict";
import { holdLease, releaseLease } from "../../lib/lease.ts";

Deno.test("holdLease - one holder at a time; renewed by it, taken over once it lapses", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    assert.equal(await holdLease(kv, "sweep", "a", 1000, 0), true);
    assert.equal(await holdLease(kv, "sweep", "b", 1000, 500), false);
    assert.equal(await holdLease(kv, "sweep", "a", 1000, 900), true, "the holder renews");
    assert.equal(await holdLease(kv, "sweep", "b", 1000, 1800), false, "renewed at 900: runs to 1900");
    assert.equal(await holdLease(kv, "sweep", "b", 1000, 1900), true, "lapsed: b takes it");
    assert.equal(await holdLease(kv, "sweep", "a", 1000, 2000), false);
    assert.equal(await holdLease(kv, "models", "a", 1000, 2000), true, "leases are per name");
  } finally {
    kv.close();
  }
});

Deno.test("releaseLease - a clean stop hands the lease on at once; only the holder can release", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    assert.equal(await holdLease(kv, "sweep", "a", 60_000, 0), true);
    await releaseLease(kv, "sweep", "b");
    assert.equal(await holdLease(kv, "sweep", "b", 60_000, 10), false);
    await releaseLease(kv, "sweep", "a");
    assert.equal(await holdLease(kv, "sweep", "b", 60_000, 10), true);
  } finally {
    kv.close();
  }
});

Deno.test("holdLease - of several instances asking at once, exactly one gets it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const got = await Promise.all(["a", "b", "c", "d"].map((h) => holdLease(kv, "sweep", h, 1000, 0)));
    assert.equal(got.filter(Boolean).length, 1);
  } finally {
    kv.close();
  }
});
