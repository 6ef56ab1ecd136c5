import assert from "node:assert/strict";
import { GeoDb } from "../../../lib/enrich/geoip.ts";
import { buildMmdb } from "./_mmdb_writer.ts";

Deno.test("GeoDb - reads country, city and ASN from MaxMind-format files (npm maxmind)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(
      `${dir}/city.mmdb`,
      buildMmdb("GeoLite2-City", {
        "203.0.113.0/24": {
          country: { iso_code: "NL" },
          city: { names: { en: "Amsterdam", de: "Amsterdam" } },
        },
        "198.51.100.7/32": { registered_country: { iso_code: "US" } },
      }),
    );
    await Deno.writeFile(
      `${dir}/asn.mmdb`,
      buildMmdb("GeoLite2-ASN", {
        "203.0.113.0/25": {
          autonomous_system_number: 64500,
          autonomous_system_organization: "Example Hosting",
        },
      }),
    );
    const city = await GeoDb.open(`${dir}/city.mmdb`);
    const asn = await GeoDb.open(`${dir}/asn.mmdb`);
    assert.deepEqual(city.lookup("203.0.113.9"), { country: "NL", city: "Amsterdam" });
    assert.deepEqual(city.lookup("198.51.100.7"), { country: "US" });
    assert.deepEqual(city.lookup("198.51.100.8"), {});
    assert.deepEqual(city.lookup("2001:db8::1"), {}, "IPv6 in an IPv4 database is no error");
    assert.deepEqual(asn.lookup("203.0.113.9"), { asn: 64500, asOrg: "Example Hosting" });
    assert.deepEqual(asn.lookup("203.0.113.200"), {});
    await assert.rejects(GeoDb.open(`${dir}/missing.mmdb`), /Cannot open MaxMind database .*missing\.mmdb/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
