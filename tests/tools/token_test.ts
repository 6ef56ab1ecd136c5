import assert from "node:assert/strict";
import { IngestAuth, listSensorTokens } from "../../lib/access/mod.ts";
import { tokenCli } from "../../tools/token.ts";

Deno.test("token CLI - add prints a token once that the server accepts; revoke refuses it", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/hw.kv`;
  const printed: string[] = [];
  const print = (m: string) => printed.push(m);
  try {
    assert.equal(await tokenCli(["--kv", path, "add", "vm7"], {}, print), 0);
    assert.equal(await tokenCli(["--kv", path, "add", "bad name"], {}, print), 2);
    const token = printed.join("\n").split("\n").at(-1)!;
    const kv = await Deno.openKv(path);
    try {
      const auth = new IngestAuth({ kv, globalToken: undefined, configTokens: {}, now: () => 0 });
      assert.equal((await auth.verify(token, "vm7"))?.via, "sensor");
      kv.close();
      assert.equal(await tokenCli(["revoke", "vm7"], { HONEYWATCH_KV: path }, print), 0);
      const kv2 = await Deno.openKv(path);
      try {
        const auth2 = new IngestAuth({ kv: kv2, globalToken: undefined, configTokens: {}, now: () => 0 });
        assert.equal(await auth2.verify(token, "vm7"), null);
        assert.equal((await listSensorTokens(kv2))[0].revoked, true);
      } finally {
        kv2.close();
      }
    } finally {
      try {
        kv.close();
      } catch { /* closed above */ }
    }
    assert.equal(await tokenCli(["--kv", path, "list"], {}, print), 0);
    assert.match(printed.at(-1)!, /^vm7\trevoked /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
