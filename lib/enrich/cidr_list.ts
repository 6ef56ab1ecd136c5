/**
 * Offline reputation lists of CIDR blocks, in the text formats operators already download:
 * FireHOL `.netset`/`.ipset` (one IP or CIDR a line, `#` comments) and Spamhaus DROP/EDROP
 * (`1.10.16.0/20 ; SBL256894`, `;` comments; also the NDJSON `drop_v4.json` form with a
 * `cidr` field). Lookups are a binary search over merged ranges.
 */
import { ipv4ToInt, normaliseIp } from "../ip.ts";

/** An address as a number: IPv4 in 0..2^32, IPv6 as a bigint (separate spaces). */
function v6ToBigInt(ip: string): bigint | null {
  const n = normaliseIp(ip);
  if (n === null || !n.includes(":")) return null;
  const [head, tail] = n.includes("::") ? n.split("::") : [n, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

interface Ranges<T extends number | bigint> {
  starts: T[];
  ends: T[];
}

/** A loaded list: name, how many entries, and `has(ip)`. */
export class CidrList {
  readonly #v4: Ranges<number> = { starts: [], ends: [] };
  readonly #v6: Ranges<bigint> = { starts: [], ends: [] };
  /** Entries read (before merging). */
  readonly size: number;

  private constructor(readonly name: string, v4: [number, number][], v6: [bigint, bigint][], size: number) {
    merge(v4, this.#v4);
    merge(v6, this.#v6);
    this.size = size;
  }

  /**
   * Parse list text. Lines that are neither an address nor a CIDR are skipped and counted
   * in `skipped` (a list is input, not code: one bad line does not stop the server).
   */
  static parse(name: string, text: string): { list: CidrList; skipped: number } {
    const v4: [number, number][] = [];
    const v6: [bigint, bigint][] = [];
    let skipped = 0;
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.trim();
      if (line.startsWith("{")) {
        try {
          line = String((JSON.parse(line) as { cidr?: unknown }).cidr ?? "");
        } catch {
          skipped++;
          continue;
        }
      }
      line = line.replace(/[#;].*$/, "").trim().split(/\s+/)[0] ?? "";
      if (!line) continue;
      const [addr, bitsText] = line.split("/");
      const v4n = ipv4ToInt(addr);
      if (v4n !== null) {
        const bits = bitsText === undefined ? 32 : Number(bitsText);
        if (!Number.isInteger(bits) || bits < 0 || bits > 32) {
          skipped++;
          continue;
        }
        const size = 2 ** (32 - bits);
        const start = Math.floor(v4n / size) * size;
        v4.push([start, start + size - 1]);
        continue;
      }
      const v6n = v6ToBigInt(addr);
      const bits = bitsText === undefined ? 128 : Number(bitsText);
      if (v6n === null || !Number.isInteger(bits) || bits < 0 || bits > 128) {
        skipped++;
        continue;
      }
      const size = 1n << BigInt(128 - bits);
      const start = (v6n / size) * size;
      v6.push([start, start + size - 1n]);
    }
    return { list: new CidrList(name, v4, v6, v4.length + v6.length), skipped };
  }

  /** Is `ip` inside any block of the list? */
  has(ip: string): boolean {
    const v4 = ipv4ToInt(ip);
    if (v4 !== null) return find(this.#v4, v4);
    const v6 = v6ToBigInt(ip);
    return v6 !== null && find(this.#v6, v6);
  }
}

function merge<T extends number | bigint>(ranges: [T, T][], out: Ranges<T>): void {
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const next = (v: T): T => (typeof v === "bigint" ? v + 1n : (v as number) + 1) as T;
  for (const [s, e] of ranges) {
    const last = out.ends.length - 1;
    // Adjacent or overlapping blocks become one range.
    if (last >= 0 && s <= next(out.ends[last])) {
      if (e > out.ends[last]) out.ends[last] = e;
    } else {
      out.starts.push(s);
      out.ends.push(e);
    }
  }
}

function find<T extends number | bigint>(r: Ranges<T>, v: T): boolean {
  let lo = 0;
  let hi = r.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (v < r.starts[mid]) hi = mid - 1;
    else if (v > r.ends[mid]) lo = mid + 1;
    else return true;
  }
  return false;
}
