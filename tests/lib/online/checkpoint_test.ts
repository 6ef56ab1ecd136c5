import assert from "node:assert/strict";
import { loadCheckpoint, saveCheckpoint } from "../../../lib/online/checkpoint.ts";

Deno.test("checkpoint - a value over KV's value and commit limits round-trips; old parts are deleted", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    assert.equal(await loadCheckpoint(kv, "m"), null);
    // ~1.2 MB of JSON: over 64 KiB per value and over 800 KiB per atomic commit.
    const big = { xs: Array.from({ length: 150_000 }, (_, i) => i * 0.5), name: "hst" };
    const chars = await saveCheckpoint(kv, "m", big, 123);
    assert.ok(chars > 1_000_000);
    const got = await loadCheckpoint<typeof big>(kv, "m");
    assert.deepEqual(got?.value, big);
    assert.equal(got?.savedAt, 123);
    await saveCheckpoint(kv, "m", { small: true }, 456);
    assert.deepEqual((await loadCheckpoint(kv, "m"))?.value, { small: true });
    let parts = 0;
    for await (const _ of kv.list({ prefix: ["model", "m"] })) parts++;
    assert.equal(parts, 1, "one part left under the meta key");
  } finally {
    kv.close();
  }
});
