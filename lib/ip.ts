/**
 * Strict IP address parsing and canonical forms.
 *
 * Decisions: IPv4 is exactly four decimal octets 0..255 without leading zeros ("01.2.3.4" is
 * rejected: inet_aton reads a leading zero as octal, so the address is ambiguous). IPv6 follows
 * RFC 4291 text form (an embedded dotted IPv4 only in the last 32 bits) with no zone id ("%eth0")
 * and no brackets. Host names are not addresses.
 */

const NOT_V4 = -1;

/** Parses `s[start..end)` as dotted IPv4; returns the address as an unsigned 32-bit number or -1. */
function parseV4(s: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return NOT_V4; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return NOT_V4;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return NOT_V4;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else {
      return NOT_V4;
    }
  }
  if (dots !== 3 || digits === 0) return NOT_V4;
  return value * 256 + octet;
}

function hexGroup(part: string): number {
  if (part.length === 0 || part.length > 4) return -1;
  let v = 0;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Appends the groups of `parts` to `out`; the last part may be dotted IPv4. False if invalid. */
function pushGroups(parts: string[], out: number[], allowV4Tail: boolean): boolean {
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (allowV4Tail && i === parts.length - 1 && p.includes(".")) {
      const v4 = parseV4(p, 0, p.length);
      if (v4 === NOT_V4) return false;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else {
      const g = hexGroup(p);
      if (g < 0) return false;
      out.push(g);
    }
  }
  return true;
}

/** Parses IPv6 text into 8 groups of 16 bits, or null. */
function parseV6(s: string): number[] | null {
  if (s.length < 2 || s.length > 45) return null;
  const gap = s.indexOf("::");
  const head: number[] = [];
  if (gap < 0) {
    if (!pushGroups(s.split(":"), head, true) || head.length !== 8) return null;
    return head;
  }
  if (s.indexOf("::", gap + 1) >= 0) return null;
  const left = s.slice(0, gap);
  const right = s.slice(gap + 2);
  const tail: number[] = [];
  if (left !== "" && !pushGroups(left.split(":"), head, false)) return null;
  if (right !== "" && !pushGroups(right.split(":"), tail, true)) return null;
  // "::" stands for at least one zero group.
  const zeros = 8 - head.length - tail.length;
  if (zeros < 1) return null;
  for (let i = 0; i < zeros; i++) head.push(0);
  for (const g of tail) head.push(g);
  return head;
}

function v4ToString(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** True for ::ffff:0:0/96, the IPv4-mapped block. */
function isMapped(g: number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (2+ groups, first on a tie) as "::". */
function v6ToString(g: number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(":");
  const left = g.slice(0, bestStart).map((x) => x.toString(16)).join(":");
  const right = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(":");
  return `${left}::${right}`;
}

/**
 * Validates an IPv4 or IPv6 address and returns its canonical text, or null.
 *
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`, `::ffff:102:304`) folds to dotted IPv4; other IPv6
 * is written in RFC 5952 form.
 *
 * @example normaliseIp("::FFFF:1.2.3.4") // "1.2.3.4"
 * @example normaliseIp("2001:DB8:0:0:0:0:0:1") // "2001:db8::1"
 */
export function normaliseIp(s: string): string | null {
  if (typeof s !== "string") return null;
  const v4 = parseV4(s, 0, s.length);
  if (v4 !== NOT_V4) return v4ToString(v4);
  const g = parseV6(s);
  if (g === null) return null;
  if (isMapped(g)) return v4ToString(g[6] * 65536 + g[7]);
  return v6ToString(g);
}

/** Dotted IPv4 as an unsigned 32-bit integer, or null if `ip` is not strict dotted IPv4. */
export function ipv4ToInt(ip: string): number | null {
  const v = parseV4(ip, 0, ip.length);
  return v === NOT_V4 ? null : v;
}

function isPrivateV4(v: number): boolean {
  const a = v >>> 24;
  const b = (v >>> 16) & 255;
  return a === 10 || // 10/8, RFC 1918
    (a === 172 && b >= 16 && b <= 31) || // 172.16/12, RFC 1918
    (a === 192 && b === 168) || // 192.168/16, RFC 1918
    a === 127 || // loopback
    (a === 169 && b === 254) || // link-local
    (a === 100 && b >= 64 && b <= 127); // 100.64/10, carrier-grade NAT (RFC 6598)
}

/**
 * True if `ip` is not a public internet address: RFC 1918, loopback, link-local, CGNAT
 * 100.64/10, IPv6 ::1, ULA fc00::/7 and link-local fe80::/10. False for anything that is not an IP.
 */
export function isPrivateIp(ip: string): boolean {
  const v4 = parseV4(ip, 0, ip.length);
  if (v4 !== NOT_V4) return isPrivateV4(v4);
  const g = parseV6(ip);
  if (g === null) return false;
  if (isMapped(g)) return isPrivateV4(g[6] * 65536 + g[7]);
  const loopback = g[7] === 1 && g.slice(0, 7).every((x) => x === 0);
  return loopback || (g[0] & 0xfe00) === 0xfc00 || (g[0] & 0xffc0) === 0xfe80;
}
