/**
 * GeoIP and ASN from MaxMind-format (.mmdb) databases the operator supplies (GeoLite2 City /
 * Country / ASN, DB-IP lite, IPinfo's mmdb exports), read with npm `maxmind`. The files are
 * not shipped: their licences require the user to fetch them.
 */
import { Buffer } from "node:buffer";
import { open, Reader, type Response } from "maxmind";

/** What honeywatch takes from a GeoIP record. */
export interface GeoFacts {
  country?: string;
  city?: string;
  asn?: number;
  asOrg?: string;
}

/** Fields of City/Country and ASN records that are read (others are ignored). */
interface MmdbRecord {
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  city?: { names?: Record<string, string> };
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

/** One opened .mmdb file. */
export class GeoDb {
  private constructor(readonly path: string, readonly reader: Reader<Response>) {}

  /** Open a database; a missing or broken file is an error that names it. */
  static async open(path: string): Promise<GeoDb> {
    try {
      return new GeoDb(path, await open<Response>(path, { cache: { max: 10_000 } }));
    } catch (e) {
      throw new Error(`Cannot open MaxMind database ${JSON.stringify(path)}: ${(e as Error).message}`);
    }
  }

  /** Read a database already in memory (tests, or bytes fetched by the operator's tooling). */
  static fromBytes(path: string, bytes: Uint8Array): GeoDb {
    return new GeoDb(path, new Reader<Response>(Buffer.from(bytes)));
  }

  /** Facts for `ip`; empty when the database has no record. */
  lookup(ip: string): GeoFacts {
    let r: MmdbRecord | null;
    try {
      r = this.reader.get(ip) as MmdbRecord | null;
    } catch {
      return {}; // not an address this database can hold (e.g. IPv6 in an IPv4-only file)
    }
    if (!r) return {};
    const out: GeoFacts = {};
    const country = r.country?.iso_code ?? r.registered_country?.iso_code;
    if (country) out.country = country;
    const city = r.city?.names?.en;
    if (city) out.city = city;
    if (typeof r.autonomous_system_number === "number") out.asn = r.autonomous_system_number;
    if (r.autonomous_system_organization) out.asOrg = r.autonomous_system_organization;
    return out;
  }
}
