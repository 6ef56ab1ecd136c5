/**
 * Benchmark 4: honeywatch side by side with its peers on the same sshd auth.log.
 *
 * The workload is `make_authlog.py` from the shared tools (seeded: same bytes every run; the
 * full mode uses its defaults, 1M lines and ~50k IPs, the workload of the peer figures in the
 * tools' README). On it:
 * - honeywatch in process (bench/_peers_honeywatch.ts), its brute-force set being the IPs with a
 *   `brute_force` anomaly (5 failures in 10 min, fail2ban's sshd jail);
 * - `fail2ban-regex` with the sshd filter, maxretry 5 / findtime 10 min applied to its matches;
 * - CrowdSec 1.4.6 one-shot with Debian's offline hub, its set being the IPs of any ssh
 *   scenario overflow (ssh-bf, ssh-slow-bf and their user-enum variants).
 * A missing peer is skipped and the reason is in `skipped`. Every set is also checked against
 * the generator's ground truth (how many benign users each tool flagged).
 *
 * Run: `deno run -A bench/peers.ts [--quick]` (prints one JSON object).
 */
import { normaliseIp } from "../lib/ip.ts";
import { have, median, sharedTools } from "./_workload.ts";
import {
  histogram,
  linesUpTo,
  readTruth,
  type SetReport,
  setReport,
  share,
  type Truth,
} from "./_peers_compare.ts";
import { crowdsecMissing, runCrowdsec } from "./_peers_crowdsec.ts";
import { FAIL2BAN_SSHD_FILTER, runFail2ban, windowedOffenders } from "./_peers_fail2ban.ts";
import { attemptsInWindow, runHoneywatch } from "./_peers_honeywatch.ts";

export type { SetReport };

/** fail2ban's sshd jail defaults, the same as honeywatch's `brute_force` defaults. */
const MAXRETRY = 5;
const FINDTIME_MS = 600_000;
const MIB = 1024 * 1024;

/** Options of {@linkcode benchPeers}. */
export interface PeersOptions {
  quick: boolean;
  /** A scratch folder; the workload and CrowdSec's config go in `<workDir>/peers`. */
  workDir: string;
  /**
   * Workload size; defaults: the generator's own (1M lines, 50k IPs), or 20k lines and 1k IPs when
   * quick (CrowdSec needs 7-30 s for those on a busy 2-core machine; 100k lines took it 25-50 s).
   */
  lines?: number;
  targetIps?: number;
  /** Runs of honeywatch and fail2ban, median reported; CrowdSec runs once (minutes per run). */
  rounds?: number;
  /** Leave CrowdSec out (e.g. in a fast test); the reason goes into `skipped`. */
  skipCrowdsec?: string;
}

/** What {@linkcode benchPeers} reports. Rates and agreement are null when the tool did not run. */
export interface PeersResult {
  fail2ban_lines_per_s: number | null;
  crowdsec_lines_per_s: number | null;
  honeywatch_sshd_lines_per_s: number | null;
  /** Share of the peers' brute-force IPs (union of the peers that ran) that honeywatch also flags. */
  bruteforce_agreement: number | null;
  honeywatch_over_fail2ban: number | null;
  honeywatch_over_crowdsec: number | null;
  /** Peer (or "workload") -> why it did not run. */
  skipped: Record<string, string>;
  /** CPUs and load average before and after: the figures are only as quiet as the machine was. */
  machine: { cpus: number; loadavg_start: number[]; loadavg_end: number[] };
  workload: {
    lines: number;
    bytes: number;
    distinct_ips: number;
    roles: Record<string, number>;
    year: number;
    generator: string;
  } | null;
  honeywatch:
    | (SetReport & {
      runs_lines_per_s: number[];
      events: number;
      skipped_lines: number;
      rejected_lines: number;
      actors: number;
      anomalies: Record<string, number>;
      slow_brute_force_ips: number;
      /** Flagged by honeywatch (brute_force) and by no peer that ran. */
      not_flagged_by_peers: number;
      /** Of those, IPs with an rsyslog `message repeated N times` line (N attempts; peers count 1). */
      not_flagged_by_peers_repeated_lines: number;
      /**
       * IPs a peer flags and honeywatch does not, by the most attempts honeywatch counts for them
       * in any 10 min window ("1".."4", "5+"). Below 5, the peer counted one attempt several times.
       */
      peer_only_by_attempts: Record<string, number>;
    })
    | null;
  fail2ban: Fail2banReport | null;
  crowdsec: CrowdsecReport | null;
}

/** fail2ban-regex's side. */
export interface Fail2banReport extends SetReport {
  runs_lines_per_s: number[];
  matches: number;
  ips_matched: number;
  peak_rss_mib: number;
  /** Share of fail2ban's set that honeywatch also flags. */
  agreement: number;
}

/** CrowdSec's side. */
export interface CrowdsecReport extends SetReport {
  lines_per_s: number;
  /** "exit 0", or why and when it was stopped. */
  outcome: string;
  /** What the rate is over: its exit, the end of acquisition (hung after it), or its last overflow. */
  rate_basis: string;
  wall_s: number;
  /** Lines it had got through when the rate was taken (all of them unless it was stopped early). */
  lines_reached: number;
  peak_rss_mib: number;
  overflows: Record<string, number>;
  ips_by_scenario: Record<string, number>;
  /** Alerts pushed to the stand-in Local API (what a LAPI would have stored). */
  alerts_pushed: number;
  last_overflow_at: string | null;
  hub_items: string[];
  /** Share of CrowdSec's set that honeywatch also flags. */
  agreement: number;
}

const rate = (lines: number, ms: number) => Math.round(lines / (ms / 1000));
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function memAvailable(): number {
  try {
    const m = Deno.readTextFileSync("/proc/meminfo").match(/^MemAvailable:\s+(\d+) kB/m);
    return m ? Number(m[1]) * 1024 : 8 * 1024 * MIB;
  } catch {
    return 8 * 1024 * MIB;
  }
}

function empty(skipped: Record<string, string>): PeersResult {
  return {
    fail2ban_lines_per_s: null,
    crowdsec_lines_per_s: null,
    honeywatch_sshd_lines_per_s: null,
    bruteforce_agreement: null,
    honeywatch_over_fail2ban: null,
    honeywatch_over_crowdsec: null,
    skipped,
    machine: { cpus: navigator.hardwareConcurrency, loadavg_start: Deno.loadavg(), loadavg_end: [] },
    workload: null,
    honeywatch: null,
    fail2ban: null,
    crowdsec: null,
  };
}

/** Generate the auth.log and its truth CSV in `dir`; quick: 1/50 of the default size. */
async function makeWorkload(tools: string, dir: string, opts: PeersOptions) {
  const log = `${dir}/auth.log`, truthCsv = `${dir}/truth.csv`;
  const lines = opts.lines ?? (opts.quick ? 20_000 : undefined);
  // Benign users scale with the lines: the generator's 150 users write ~33k lines whatever the size.
  const sizeArgs = lines === undefined ? [] : [
    ...["--lines", String(lines)],
    ...["--target-ips", String(opts.targetIps ?? Math.max(50, Math.round(lines / 20)))],
    ...["--benign-users", String(Math.max(2, Math.round(150 * lines / 1_000_000)))],
  ];
  const args = [`${tools}make_authlog.py`, "--out", log, "--truth", truthCsv, ...sizeArgs];
  const gen = await new Deno.Command("python3", { args, stdout: "null", stderr: "piped" }).output();
  if (!gen.success) {
    throw new Error(`make_authlog.py failed: ${new TextDecoder().decode(gen.stderr).slice(-2000)}`);
  }
  return { log, truth: await readTruth(truthCsv), generator: ["make_authlog.py", ...sizeArgs].join(" ") };
}

interface Side<R> {
  set: Set<string>;
  rate: number;
  report: R;
}

async function fail2banMissing(): Promise<string | null> {
  if (!(await have("fail2ban-regex"))) return "fail2ban-regex not on PATH (apt-get install fail2ban)";
  const filter = await Deno.stat(FAIL2BAN_SSHD_FILTER).then(() => true, () => false);
  return filter ? null : `${FAIL2BAN_SSHD_FILTER} not found`;
}

async function fail2banSide(
  log: string,
  lines: number,
  truth: Truth,
  hwSet: Set<string>,
  o: { rounds: number; timeoutMs: number; maxRssBytes: number },
): Promise<Side<Fail2banReport>> {
  const rates: number[] = [];
  let peak = 0;
  let last = null;
  for (let r = 0; r < o.rounds; r++) {
    last = await runFail2ban(log, o);
    if (last.stoppedBy !== null) throw new Error(`fail2ban-regex stopped: ${last.stoppedBy}`);
    rates.push(rate(lines, last.ms));
    peak = Math.max(peak, last.peakRssBytes);
  }
  const byIp = new Map<string, number[]>();
  for (const [ip, ts] of last!.byIp) byIp.set(normaliseIp(ip) ?? ip, ts);
  const set = windowedOffenders(byIp, MAXRETRY, FINDTIME_MS);
  return {
    set,
    rate: median(rates),
    report: {
      runs_lines_per_s: rates,
      matches: last!.matches,
      ips_matched: byIp.size,
      peak_rss_mib: Math.round(peak / MIB),
      ...setReport(set, truth),
      agreement: share(set, hwSet),
    },
  };
}

async function crowdsecSide(
  log: string,
  dir: string,
  lines: number,
  truth: Truth,
  hwSet: Set<string>,
  o: { timeoutMs: number; maxRssBytes: number; graceMs: number },
): Promise<Side<CrowdsecReport>> {
  const cs = await runCrowdsec(log, dir, o);
  const set = new Set<string>();
  const ipsByScenario: Record<string, number> = {};
  for (const [name, ips] of cs.ipsByScenario) {
    ipsByScenario[name] = ips.size;
    for (const ip of ips) set.add(ip);
  }
  const reached = cs.rateBasis === "last_overflow" && cs.lastOverflowAt !== null
    ? await linesUpTo(log, truth.year, cs.lastOverflowAt)
    : lines;
  const r = rate(reached, cs.ms);
  return {
    set,
    rate: r,
    report: {
      lines_per_s: r,
      outcome: cs.outcome,
      rate_basis: cs.rateBasis,
      wall_s: round3(cs.wallMs / 1000),
      lines_reached: reached,
      peak_rss_mib: Math.round(cs.peakRssBytes / MIB),
      overflows: cs.overflows,
      ips_by_scenario: ipsByScenario,
      alerts_pushed: cs.alertsPushed,
      last_overflow_at: cs.lastOverflowAt,
      hub_items: cs.items,
      ...setReport(set, truth),
      agreement: share(set, hwSet),
    },
  };
}

const failed = (e: unknown) => `failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 2000);

/** Build the workload, run honeywatch and every installed peer on it, compare. */
export async function benchPeers(opts: PeersOptions): Promise<PeersResult> {
  const tools = sharedTools();
  if (tools === null) return empty({ workload: "../shared/tools not found beside the repository" });
  if (!(await have("python3"))) return empty({ workload: "python3 not on PATH (make_authlog.py needs it)" });
  const dir = `${opts.workDir}/peers`;
  await Deno.mkdir(dir, { recursive: true });
  const { log, truth, generator } = await makeWorkload(tools, dir, opts);
  const rounds = opts.rounds ?? (opts.quick ? 1 : 3);
  const result = empty({});
  const skipped = result.skipped;

  // honeywatch: at least 3 passes (5 on a quick workload, where one pass takes ~0.1 s); it is cheap.
  const hwRates: number[] = [];
  let hw = await runHoneywatch(log, truth.year);
  hwRates.push(rate(hw.lines, hw.ms));
  for (let r = 1; r < Math.max(opts.quick ? 5 : 3, rounds); r++) {
    hw = await runHoneywatch(log, truth.year);
    hwRates.push(rate(hw.lines, hw.ms));
  }
  const hwSet = hw.ipsByType.get("brute_force") ?? new Set<string>();
  const roles: Record<string, number> = {};
  for (const r of truth.roles.values()) roles[r] = (roles[r] ?? 0) + 1;
  result.workload = {
    lines: hw.lines,
    bytes: (await Deno.stat(log)).size,
    distinct_ips: truth.roles.size,
    roles,
    year: truth.year,
    generator,
  };
  result.honeywatch_sshd_lines_per_s = median(hwRates);

  // Peers: a missing one is skipped, a failing one too, each with its reason.
  const maxRssBytes = Math.min(8 * 1024 * MIB, memAvailable() / 2);
  const peerSets: Set<string>[] = [];
  const f2bMissing = await fail2banMissing();
  if (f2bMissing !== null) skipped.fail2ban = f2bMissing;
  else {
    try {
      const timeoutMs = opts.quick ? 120_000 : 900_000;
      const f = await fail2banSide(log, hw.lines, truth, hwSet, { rounds, timeoutMs, maxRssBytes });
      peerSets.push(f.set);
      result.fail2ban_lines_per_s = f.rate;
      result.fail2ban = f.report;
    } catch (e) {
      skipped.fail2ban = failed(e);
    }
  }
  const csMissing = opts.skipCrowdsec ?? await crowdsecMissing();
  if (csMissing !== null) skipped.crowdsec = csMissing;
  else {
    try {
      const c = await crowdsecSide(log, `${dir}/crowdsec`, hw.lines, truth, hwSet, {
        // Quick: a hard 30 s, the rate then taken over the lines it got through (`lines_reached`).
        timeoutMs: opts.quick ? 30_000 : 1_800_000,
        graceMs: opts.quick ? 5_000 : 60_000,
        maxRssBytes,
      });
      peerSets.push(c.set);
      result.crowdsec_lines_per_s = c.rate;
      result.crowdsec = c.report;
    } catch (e) {
      skipped.crowdsec = failed(e);
    }
  }

  const peers = new Set(peerSets.flatMap((s) => [...s]));
  const peerOnly = new Set([...peers].filter((ip) => !hwSet.has(ip)));
  const hwOnly = new Set(peerSets.length > 0 ? [...hwSet].filter((ip) => !peers.has(ip)) : []);
  const attempts = await attemptsInWindow(log, truth.year, new Set([...peerOnly, ...hwOnly]), FINDTIME_MS);
  result.honeywatch = {
    runs_lines_per_s: hwRates,
    events: hw.events,
    skipped_lines: hw.skipped,
    rejected_lines: hw.rejected,
    actors: hw.actors,
    anomalies: hw.anomalies,
    slow_brute_force_ips: hw.ipsByType.get("slow_brute_force")?.size ?? 0,
    ...setReport(hwSet, truth),
    not_flagged_by_peers: hwOnly.size,
    not_flagged_by_peers_repeated_lines: [...hwOnly].filter((ip) => attempts.get(ip)?.repeated).length,
    peer_only_by_attempts: histogram([...peerOnly].map((ip) => attempts.get(ip)?.max ?? 0), MAXRETRY),
  };
  if (peerSets.length > 0) result.bruteforce_agreement = share(peers, hwSet);
  const hwRate = result.honeywatch_sshd_lines_per_s;
  if (result.fail2ban_lines_per_s) {
    result.honeywatch_over_fail2ban = round3(hwRate / result.fail2ban_lines_per_s);
  }
  if (result.crowdsec_lines_per_s) {
    result.honeywatch_over_crowdsec = round3(hwRate / result.crowdsec_lines_per_s);
  }
  result.machine.loadavg_end = Deno.loadavg();
  return result;
}

if (import.meta.main) {
  const workDir = await Deno.makeTempDir({ prefix: "honeywatch-peers-" });
  try {
    const r = await benchPeers({ quick: Deno.args.includes("--quick"), workDir });
    // deno-lint-ignore no-console
    console.log(JSON.stringify(r));
  } finally {
    await Deno.remove(workDir, { recursive: true });
  }
}
