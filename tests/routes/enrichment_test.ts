import assert from "node:assert/strict";
import type { Anomaly } from "../../lib/schema.ts";
import { failedLogins, startServer, TOKEN } from "../_helpers.ts";
import { startFakeProviders } from "../lib/enrich/_fake_providers.ts";
import { buildMmdb } from "../lib/enrich/_mmdb_writer.ts";

Deno.test("enrichment - anomalies, /api/actors/:ip and the attacker page carry GeoIP, ASN, list and provider facts", async () => {
  const dir = await Deno.makeTempDir();
  const fake = await startFakeProviders();
  await Deno.writeFile(
    `${dir}/city.mmdb`,
    buildMmdb("GeoLite2-City", { "203.0.113.0/24": { country: { iso_code: "NL" } } }),
  );
  await Deno.writeFile(
    `${dir}/asn.mmdb`,
    buildMmdb("GeoLite2-ASN", { "203.0.113.0/24": { autonomous_system_number: 64500 } }),
  );
  await Deno.writeTextFile(`${dir}/firehol_level1.netset`, "# test\n203.0.113.0/28\n");
  const srv = await startServer({
    args: [
      ["--geoip-db", `${dir}/city.mmdb`],
      ["--asn-db", `${dir}/asn.mmdb`],
      ["--reputation-lists", `${dir}/firehol_level1.netset`],
      ["--abuseipdb-key", "abuse-key", "--abuseipdb-url", `${fake.url}/abuseipdb`],
    ].flat(),
  });
  try {
    const post = async (n: number, start: number) => {
      const res = await srv.app.request("/api/ingest?sensor=en1", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: failedLogins("203.0.113.9", start, n).map((r) => JSON.stringify(r)).join("\n"),
      });
      assert.equal(res.status, 200);
    };
    const t0 = Date.parse("2026-11-25T10:00:00Z");
    await post(5, t0);
    const first: Anomaly = (await (await srv.app.request("/api/anomalies?type=brute_force")).json()).items[0];
    assert.deepEqual(first.enrichment, { country: "NL", asn: 64500, lists: ["firehol_level1"] });
    await srv.rt.enricher.settled();
    await post(30, t0 + 10_000); // severity rises: an update goes out at once
    const later: Anomaly = (await (await srv.app.request("/api/anomalies?type=brute_force")).json()).items[0];
    assert.equal(later.id, first.id);
    assert.equal(later.enrichment?.providers?.abuseipdb.abuseConfidenceScore, 100);
    assert.equal(fake.hits.length, 1, "one lookup for the IP, then the cache");

    const actor = await (await srv.app.request("/api/actors/203.0.113.9")).json();
    assert.equal(actor.enrichment.country, "NL");
    assert.equal(actor.enrichment.providers.abuseipdb.totalReports, 1234);

    const page = await (await srv.app.request("/ip/203.0.113.9")).text();
    const facts = page.slice(
      page.indexOf("data-enrichment"),
      page.indexOf("</dl>", page.indexOf("data-enrichment")),
    );
    assert.match(facts, /<dt>Location<\/dt><dd>NL<\/dd>/);
    assert.match(facts, /<dt>Network<\/dt><dd>AS64500<\/dd>/);
    assert.match(facts, /<dt>Reputation lists<\/dt><dd>firehol_level1<\/dd>/);
    assert.match(facts, /<dt>abuseipdb abuseConfidenceScore<\/dt><dd>100<\/dd>/);
  } finally {
    await srv.close();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("enrichment - off by default: no field, no lookups", async () => {
  const srv = await startServer();
  try {
    assert.equal(srv.rt.enricher.enabled, false);
    await srv.app.request("/api/ingest?sensor=en2", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: failedLogins("203.0.113.10", Date.now(), 5).map((r) => JSON.stringify(r)).join("\n"),
    });
    const a: Anomaly = (await (await srv.app.request("/api/anomalies?type=brute_force")).json()).items[0];
    assert.equal(a.enrichment, undefined);
    const actor = await (await srv.app.request("/api/actors/203.0.113.10")).json();
    assert.equal(actor.enrichment, undefined);
    const page = await srv.app.request("/ip/203.0.113.10");
    assert.equal(page.status, 200);
    assert.doesNotMatch(await page.text(), /data-enrichment|Known about this address/);
  } finally {
    await srv.close();
  }
});
