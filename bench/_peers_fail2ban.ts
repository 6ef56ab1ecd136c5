/**
 * fail2ban as a peer: `fail2ban-regex -o row` with the distribution's sshd filter, timed as a whole
 * process. fail2ban-regex only matches; the jail's ban rule (maxretry 5 within findtime 10 min,
 * fail2ban's sshd defaults) is applied here to the matches of each IP.
 */
import { type BoundedRun, runBounded } from "./_peers_process.ts";

/** The sshd filter Debian's fail2ban package installs. */
export const FAIL2BAN_SSHD_FILTER = "/etc/fail2ban/filter.d/sshd.conf";

/** What one fail2ban-regex run gave. */
export interface Fail2banRun extends BoundedRun {
  /** Matched lines (failures). */
  matches: number;
  /** Match times (ms) by IP, in file order. */
  byIp: Map<string, number[]>;
}

/** A row of `-o row`: `['1.2.3.4',\t1788220839.0,\t{...}],` */
const ROW = /^\['([^']+)',\s+([\d.]+),/;

/** Run fail2ban-regex over `log` with the sshd filter. */
export async function runFail2ban(
  log: string,
  opts: { timeoutMs: number; maxRssBytes: number },
): Promise<Fail2banRun> {
  const byIp = new Map<string, number[]>();
  let matches = 0;
  const tail: string[] = [];
  const run = await runBounded(
    "fail2ban-regex",
    // -r: no DNS look-ups (the sshd filter matches addresses; a resolver would only add noise).
    // UTC: the workload's timestamps are UTC, and so is every other tool's reading of them.
    ["-r", "--timezone=UTC", "-o", "row", log, FAIL2BAN_SSHD_FILTER],
    {
      ...opts,
      onStdout(line) {
        const m = ROW.exec(line);
        if (!m) return;
        matches++;
        const t = Math.round(Number(m[2]) * 1000);
        const ts = byIp.get(m[1]);
        if (ts) ts.push(t);
        else byIp.set(m[1], [t]);
      },
      onStderr(line) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
      },
    },
  );
  if (run.stoppedBy === null && run.code !== 0) {
    throw new Error(`fail2ban-regex exited with ${run.code ?? run.signal}: ${tail.join("\n")}`);
  }
  return { ...run, matches, byIp };
}

/**
 * IPs with `maxretry` failures inside a window of `findtimeMs`: the jail's rule, read as a
 * sliding window over event time with the same bounds as honeywatch's `brute_force`
 * (failures in `(t - findtime, t]`).
 */
export function windowedOffenders(
  byIp: Map<string, number[]>,
  maxretry: number,
  findtimeMs: number,
): Set<string> {
  const out = new Set<string>();
  for (const [ip, times] of byIp) {
    if (times.length < maxretry) continue;
    const t = [...times].sort((a, b) => a - b);
    for (let i = maxretry - 1; i < t.length; i++) {
      if (t[i] - t[i - maxretry + 1] < findtimeMs) {
        out.add(ip);
        break;
      }
    }
  }
  return out;
}
