import assert from "node:assert/strict";
import { startServer, TOKEN } from "../../_helpers.ts";

Deno.test("warmCampaigns - a restarted server rebuilds its campaigns from the stored events", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/hw.kv`;
  const now = Date.now();
  const lines: string[] = [];
  for (let i = 0; i < 6; i++) {
    for (const [k, cred] of ["a:Xq1!", "b:Yq2!", "c:Zq3!"].entries()) {
      const [username, password] = cred.split(":");
      lines.push(JSON.stringify({
        eventid: "cowrie.login.failed",
        timestamp: new Date(now - 3_600_000 + i * 60_000 + k * 1000).toISOString(),
        src_ip: `198.51.100.${i + 20}`,
        session: `s${i}`,
        username,
        password,
      }));
    }
  }
  try {
    let srv = await startServer({ kvPath });
    let before;
    try {
      const res = await srv.app.request("/api/ingest?source=cowrie&sensor=hp1", {
        method: "POST",
        body: lines.join("\n"),
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal((await res.json()).accepted, 18);
      before = (await (await srv.app.request("/api/campaigns")).json()).items;
      assert.equal(before.length, 1);
      assert.equal(before[0].memberCount, 6);
    } finally {
      await srv.close();
    }
    srv = await startServer({ kvPath });
    try {
      const after = (await (await srv.app.request("/api/campaigns")).json()).items;
      assert.equal(after.length, 1);
      assert.equal(after[0].id, before[0].id);
      assert.deepEqual(
        after[0].members.map((m: { ip: string }) => m.ip).sort(),
        before[0].members.map((m: { ip: string }) => m.ip).sort(),
      );
      assert.equal(after[0].failedLogins, 18);
    } finally {
      await srv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
