/**
 * Redaction for the public view (`--public-view`): source IPs truncated to their /24
 * (IPv4) or /48 (IPv6) network, passwords masked.
 */
import { normaliseIp } from "./ip.ts";

/** The eight 16-bit groups of canonical IPv6 text. */
function v6Groups(ip: string): number[] {
  const [left, right] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const l = left ? left.split(":").map((h) => parseInt(h, 16)) : [];
  const r = right ? right.split(":").map((h) => parseInt(h, 16)) : [];
  return right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill(0), ...r];
}

/**
 * The network an address belongs to: `/24` for IPv4, `/48` for IPv6. Anything that is not
 * an IP (a global anomaly's `"*"`) reads as "(hidden)".
 *
 * @example truncateIp("203.0.113.77") // "203.0.113.0/24"
 * @example truncateIp("2001:db8:1:2::5") // "2001:db8:1::/48"
 */
export function truncateIp(raw: string): string {
  const ip = normaliseIp(raw);
  if (ip === null) return "(hidden)";
  if (!ip.includes(":")) return ip.replace(/\.\d+$/, ".0/24");
  const g = v6Groups(ip).slice(0, 3);
  while (g.length > 0 && g[g.length - 1] === 0) g.pop();
  return `${g.map((x) => x.toString(16)).join(":")}::/48`;
}

/** A password shown as bullets of (roughly) its length: "123456" -> "••••••". */
export function maskPassword(p: string): string {
  return "•".repeat(Math.max(4, Math.min([...p].length, 12)));
}
