import assert from "node:assert/strict";
import { loadCheckpoint, saveCheckpoint } from "../../../lib/online/checkpoint.ts";

Deno.test("checkpoint - a value over KV's 64 KiB limit round-trips; a smaller one drops stale parts", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    assert.equal(await loadCheckpoint(kv, "m"), null);
    const big = { xs: Array.from({ length: 40_000 }, (_, i) => i * 0.5), name: "hst" };
    const chars = await saveCheckpoint(kv, "m", big, 123);
    assert.ok(chars > 200_000);
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
