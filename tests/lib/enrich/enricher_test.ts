import assert from "node:assert/strict";
import { Enricher } from "../../../lib/enrich/enricher.ts";
import { abuseIpDb, CidrList, greyNoise } from "../../../lib/enrich/mod.ts";
import { startFakeProviders } from "./_fake_providers.ts";

Deno.test("Enricher - online providers over real HTTP: cached in KV, rate-limited, never for private IPs", async () => {
  const fake = await startFakeProviders();
  const kv = await Deno.openKv(":memory:");
  const now = Date.parse("2026-11-25T10:00:00Z");
  const make = (lookupsPerMinute: number) =>
    new Enricher({
      kv,
      now: () => now,
      lists: [CidrList.parse("drop", "203.0.113.0/24").list],
      providers: [
        abuseIpDb({ key: "abuse-key", baseUrl: `${fake.url}/abuseipdb` }),
        greyNoise({ key: "gn-key", baseUrl: `${fake.url}/greynoise/` }),
      ],
      lookupsPerMinute,
      cacheTtlMs: 3_600_000,
    });
  const e = make(60); // burst 10
  try {
    // First sight: offline facts at once; the lookup is queued, not awaited.
    assert.deepEqual(e.now("203.0.113.5"), { lists: ["drop"] });
    await e.settled();
    const full = e.now("203.0.113.5")!;
    assert.equal(full.providers?.abuseipdb.abuseConfidenceScore, 100);
    assert.equal(full.providers?.abuseipdb.isp, "Example Hosting <script>", "kept as text; pages escape it");
    assert.ok(!("reports" in full.providers!.abuseipdb), "only the reduced fields are kept");
    assert.equal(full.providers?.greynoise.classification, "malicious");
    assert.deepEqual(fake.hits.sort(), ["abuseipdb 203.0.113.5 abuse-key", "greynoise 203.0.113.5 gn-key"]);

    // A second instance on the same KV answers from the cache: no HTTP.
    const other = make(60);
    const cached = await other.full("203.0.113.5");
    assert.equal(cached?.providers?.greynoise.noise, true);
    assert.equal(fake.hits.length, 2);
    other.close();

    // Private addresses are never sent out.
    e.now("10.0.0.1");
    e.now("192.168.1.1");
    await e.settled();
    assert.equal(fake.hits.length, 2);

    // GreyNoise 404 means "not seen"; an AbuseIPDB 503 is a failure, not cached.
    e.now("198.51.100.1");
    e.now("203.0.113.66");
    await e.settled();
    assert.equal(e.now("198.51.100.1")?.providers?.greynoise.noise, false);
    assert.equal(e.stats.failed, 1);
    assert.equal((await kv.get(["enrich", "abuseipdb", "203.0.113.66"])).value, null);
  } finally {
    e.close();
    kv.close();
    await fake.close();
  }
});

Deno.test("Enricher - past the lookup budget, IPs wait for the next sighting", async () => {
  const fake = await startFakeProviders();
  const kv = await Deno.openKv(":memory:");
  const now = 0;
  const e = new Enricher({
    kv,
    now: () => now,
    providers: [abuseIpDb({ key: "abuse-key", baseUrl: `${fake.url}/abuseipdb` })],
    lookupsPerMinute: 6, // burst 1
  });
  try {
    for (let i = 1; i <= 5; i++) e.now(`198.51.100.${i + 10}`);
    await e.settled();
    assert.equal(fake.hits.length, 1);
    assert.equal(e.stats.lookups, 1);
    assert.equal(e.stats.limited, 4);
  } finally {
    e.close();
    kv.close();
    await fake.close();
  }
});
