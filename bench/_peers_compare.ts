/** Comparing the tools' brute-force sets: ground truth, shares, and how far a stopped tool got. */
import { normaliseIp } from "../lib/ip.ts";
import { createSyslogReader } from "../lib/parsers/line_context.ts";

/** One tool's brute-force set against the ground truth. */
export interface SetReport {
  ips: number;
  /** Flagged IPs by their ground-truth role (`replay`, `noise`, `benign`, `unknown`). */
  by_role: Record<string, number>;
  benign_flagged: number;
}

/** The generator's ground truth: the role of every IP, and the year of the first line. */
export interface Truth {
  roles: Map<string, string>;
  year: number;
}

/** Reads make_authlog.py's truth CSV (`ip,ip_version,role,origin,lines_with_ip,first_seen,last_seen`). */
export async function readTruth(path: string): Promise<Truth> {
  const [header, ...rows] = (await Deno.readTextFile(path)).trim().split("\n");
  const cols = header.split(",");
  const ipAt = cols.indexOf("ip"), roleAt = cols.indexOf("role"), firstAt = cols.indexOf("first_seen");
  if (ipAt < 0 || roleAt < 0 || firstAt < 0) {
    throw new Error(`Cannot read ground truth "${path}": header is ${JSON.stringify(header)}`);
  }
  const roles = new Map<string, string>();
  let first = "";
  for (const row of rows) {
    // The generator writes no comma inside a field (origin is `copy=3;orig=1.2.3.4` and the like).
    const f = row.split(",");
    roles.set(normaliseIp(f[ipAt]) ?? f[ipAt], f[roleAt]);
    if (first === "" || f[firstAt] < first) first = f[firstAt];
  }
  return { roles, year: Number(first.slice(0, 4)) };
}

/** `set` by ground-truth role. */
export function setReport(set: Set<string>, truth: Truth): SetReport {
  const by_role: Record<string, number> = {};
  for (const ip of set) {
    const r = truth.roles.get(ip) ?? "unknown";
    by_role[r] = (by_role[r] ?? 0) + 1;
  }
  return { ips: set.size, by_role, benign_flagged: by_role.benign ?? 0 };
}

/** Share of `of` that is also in `alsoIn`, to 3 decimals; 1 for an empty `of` (nothing missed). */
export function share(of: Set<string>, alsoIn: Set<string>): number {
  if (of.size === 0) return 1;
  let n = 0;
  for (const ip of of) if (alsoIn.has(ip)) n++;
  return Math.round((n / of.size) * 1000) / 1000;
}

/** Counts by bucket "1".."max-1" and "max+" (0 when nothing was counted). */
export function histogram(values: Iterable<number>, max: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of values) {
    const k = n >= max ? `${max}+` : String(n);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Lines of a time-sorted syslog file up to event time `iso`: how far a tool stopped early got. */
export async function linesUpTo(path: string, year: number, iso: string): Promise<number> {
  const until = Date.parse(iso);
  const read = createSyslogReader({ sensor: "bench", year });
  const text = await Deno.readTextFile(path);
  let n = 0;
  for (let at = 0; at < text.length;) {
    let nl = text.indexOf("\n", at);
    if (nl < 0) nl = text.length;
    const s = read(text.slice(at, nl));
    at = nl + 1;
    if ("ts" in s && s.ts > until) break;
    n++;
  }
  return n;
}
