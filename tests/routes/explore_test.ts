import assert from "node:assert/strict";
import { startServer, TOKEN } from "../_helpers.ts";
import { GEN_START, generatedLines } from "../lib/eda/_data.ts";

Deno.test("explore page - analyses the stored events of the chosen range", async () => {
  const srv = await startServer();
  try {
    const lines = generatedLines(1500);
    const res = await srv.app.request("/api/ingest?source=cowrie&sensor=gen1", {
      method: "POST",
      body: lines.join("\n"),
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal((await res.json()).accepted, 1500);
    const since = new Date(GEN_START).toISOString();
    const until = new Date(GEN_START + 30_000).toISOString();
    const page = await srv.app.request(`/explore?since=${since}&until=${until}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    const inRange = lines.filter((l) => Date.parse(JSON.parse(l).timestamp) <= GEN_START + 30_000).length;
    assert.ok(inRange > 100 && inRange < 1500);
    assert.match(html, new RegExp(`data-summary="events">${inRange}<`));
    assert.match(html, /data-island="EdaCharts"/);
    assert.match(html, /aria-labelledby="eda-corr"/);
    assert.match(html, /<a class="val" href="\/ip\//);
    assert.match(html, /sensor gen1/);
    // Nothing stored in a range before the data.
    const empty =
      await (await srv.app.request("/explore?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z"))
        .text();
    assert.match(empty, /data-summary="events">0</);
    const bad = await srv.app.request("/explore?since=yesterday");
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).message, /"yesterday"/);
  } finally {
    await srv.close();
  }
});
