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
import { createSyslogReader } from "../lib/parsers/line_context.ts";
import { normaliseIp } from "../lib/ip.ts";
import { have, median, sharedTools } from "./_workload.ts";
import { FAIL2BAN_SSHD_FILTER, runFail2ban, windowedOffenders } from "./_peers_fail2ban.ts";
import { crowdsecMissing, runCrowdsec } from "./_peers_crowdsec.ts";
import { maxAttemptsInWindow, runHoneywatch } from "./_peers_honeywatch.ts";

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

/** One tool's brute-force set against the ground truth and against honeywatch. */
export interface SetReport {
  ips: number;
  /** Flagged IPs by their ground-truth role (`replay`, `noise`, `benign`, `unknown`). */
  by_role: Record<string, number>;
  benign_flagged: number;
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
      /**
       * IPs a peer flags and honeywatch does not, by the most attempts honeywatch counts for them
       * in any 10 min window ("1".."4", "5+"). Below 5, the peer counted one attempt several times.
       */
      peer_only_by_attempts: Record<string, number>;
    })
    | null;
  fail2ban:
    | (SetReport & {
      runs_lines_per_s: number[];
      matches: number;
      ips_matched: number;
      peak_rss_mib: number;
      /** Share of fail2ban's set that honeywatch also flags. */
      agreement: number;
    })
    | null;
  crowdsec:
    | (SetReport & {
      lines_per_s: number;
      outcome: string;
      rate_basis: string;
      wall_s: number;
      /** Lines it had got through when the rate was taken (all of them unless it was stopped early). */
      lines_reached: number;
      peak_rss_mib: number;
      overflows: Record<string, number>;
      ips_by_scenario: Record<string, number>;
      alerts_pushed: number;
      last_overflow_at: string | null;
      hub_items: string[];
      agreement: number;
    })
    | null;
}

const rate = (lines: number, ms: number) => Math.round(lines / (ms / 1000));
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Ground truth: role of every IP, and the year of the first line. */
async function readTruth(path: string): Promise<{ roles: Map<string, string>; year: number }> {
  const [header, ...rows] = (await Deno.readTextFile(path)).trim().split("\n");
  const cols = header.split(",");
  const ipAt = cols.indexOf("ip"), roleAt = cols.indexOf("role"), firstAt = cols.indexOf("first_seen");
  const roles = new Map<string, string>();
  let first = "";
  for (const row of rows) {
    // origin may hold a quoted comma-free value; the fields we read carry no commas.
    const f = row.split(",");
    roles.set(normaliseIp(f[ipAt]) ?? f[ipAt], f[roleAt]);
    if (first === "" || f[firstAt] < first) first = f[firstAt];
  }
  return { roles, year: Number(first.slice(0, 4)) };
}

function setReport(set: Set<string>, roles: Map<string, string>): SetReport {
  const by_role: Record<string, number> = {};
  for (const ip of set) {
    const r = roles.get(ip) ?? "unknown";
    by_role[r] = (by_role[r] ?? 0) + 1;
  }
  return { ips: set.size, by_role, benign_flagged: by_role.benign ?? 0 };
}

function share(of: Set<string>, alsoIn: Set<string>): number {
  if (of.size === 0) return 1;
  let n = 0;
  for (const ip of of) if (alsoIn.has(ip)) n++;
  return round3(n / of.size);
}

/** Lines of a time-sorted syslog file up to event time `iso` (how far a stopped tool got). */
async function linesUpTo(path: string, year: number, iso: string): Promise<number> {
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

/** Build the workload, run honeywatch and every installed peer on it, compare. */
export async function benchPeers(opts: PeersOptions): Promise<PeersResult> {
  const skipped: Record<string, string> = {};
  const tools = sharedTools();
  if (tools === null) return empty({ workload: "../shared/tools not found beside the repository" });
  if (!(await have("python3"))) return empty({ workload: "python3 not on PATH (make_authlog.py needs it)" });

  // Workload. Quick: 1/50 of the default lines and IPs, benign users scaled alike so the mix holds.
  const dir = `${opts.workDir}/peers`;
  await Deno.mkdir(dir, { recursive: true });
  const log = `${dir}/auth.log`, truthCsv = `${dir}/truth.csv`;
  const lines = opts.lines ?? (opts.quick ? 20_000 : undefined);
  const sizeArgs = lines === undefined ? [] : [
    "--lines",
    String(lines),
    "--target-ips",
    String(opts.targetIps ?? Math.max(50, Math.round(lines / 20))),
    "--benign-users",
    String(Math.max(2, Math.round(150 * lines / 1_000_000))),
  ];
  const genArgs = [`${tools}make_authlog.py`, "--out", log, "--truth", truthCsv, ...sizeArgs];
  const gen = await new Deno.Command("python3", { args: genArgs, stdout: "null", stderr: "piped" }).output();
  if (!gen.success) {
    throw new Error(`make_authlog.py failed: ${new TextDecoder().decode(gen.stderr).slice(-2000)}`);
  }
  const { roles, year } = await readTruth(truthCsv);
  const roleCounts: Record<string, number> = {};
  for (const r of roles.values()) roleCounts[r] = (roleCounts[r] ?? 0) + 1;
  const rounds = opts.rounds ?? (opts.quick ? 1 : 3);
  const result = empty(skipped);

  // honeywatch: at least 3 passes (5 on a quick workload, where one pass takes ~0.1 s), it is cheap.
  const hwRates: number[] = [];
  let hw = await runHoneywatch(log, year);
  hwRates.push(rate(hw.lines, hw.ms));
  for (let r = 1; r < Math.max(opts.quick ? 5 : 3, rounds); r++) {
    hw = await runHoneywatch(log, year);
    hwRates.push(rate(hw.lines, hw.ms));
  }
  const hwSet = hw.ipsByType.get("brute_force") ?? new Set<string>();
  const nLines = hw.lines;
  result.workload = {
    lines: nLines,
    bytes: (await Deno.stat(log)).size,
    distinct_ips: roles.size,
    roles: roleCounts,
    year,
    generator: ["make_authlog.py", ...sizeArgs].join(" "),
  };
  result.honeywatch_sshd_lines_per_s = median(hwRates);

  const peerSets: Set<string>[] = [];
  const bound = { maxRssBytes: Math.min(8 * 1024 * MIB, memAvailable() / 2) };

  // fail2ban
  let f2bMissing: string | null = null;
  if (!(await have("fail2ban-regex"))) f2bMissing = "fail2ban-regex not on PATH (apt-get install fail2ban)";
  else if (!(await Deno.stat(FAIL2BAN_SSHD_FILTER).then(() => true, () => false))) {
    f2bMissing = `${FAIL2BAN_SSHD_FILTER} not found`;
  }
  if (f2bMissing !== null) skipped.fail2ban = f2bMissing;
  else {
    const f2bRates: number[] = [];
    let peak = 0;
    let f2b = null;
    for (let r = 0; r < rounds; r++) {
      f2b = await runFail2ban(log, { ...bound, timeoutMs: opts.quick ? 120_000 : 900_000 });
      if (f2b.stoppedBy !== null) throw new Error(`fail2ban-regex stopped: ${f2b.stoppedBy}`);
      f2bRates.push(rate(nLines, f2b.ms));
      peak = Math.max(peak, f2b.peakRssBytes);
    }
    const byIp = new Map<string, number[]>();
    for (const [ip, ts] of f2b!.byIp) byIp.set(normaliseIp(ip) ?? ip, ts);
    const set = windowedOffenders(byIp, MAXRETRY, FINDTIME_MS);
    peerSets.push(set);
    result.fail2ban_lines_per_s = median(f2bRates);
    result.fail2ban = {
      runs_lines_per_s: f2bRates,
      matches: f2b!.matches,
      ips_matched: byIp.size,
      peak_rss_mib: Math.round(peak / MIB),
      ...setReport(set, roles),
      agreement: share(set, hwSet),
    };
  }

  // CrowdSec
  const csMissing = opts.skipCrowdsec ?? await crowdsecMissing();
  if (csMissing !== null) skipped.crowdsec = csMissing;
  else {
    const cs = await runCrowdsec(log, `${dir}/crowdsec`, {
      ...bound,
      timeoutMs: opts.quick ? 60_000 : 1_800_000,
      graceMs: opts.quick ? 10_000 : 60_000,
    });
    const set = new Set<string>();
    const ipsByScenario: Record<string, number> = {};
    for (const [name, ips] of cs.ipsByScenario) {
      ipsByScenario[name] = ips.size;
      for (const ip of ips) set.add(ip);
    }
    const reached = cs.rateBasis === "last_overflow" && cs.lastOverflowAt !== null
      ? await linesUpTo(log, year, cs.lastOverflowAt)
      : nLines;
    peerSets.push(set);
    result.crowdsec_lines_per_s = rate(reached, cs.ms);
    result.crowdsec = {
      lines_per_s: result.crowdsec_lines_per_s,
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
      ...setReport(set, roles),
      agreement: share(set, hwSet),
    };
  }

  const peersUnion = new Set(peerSets.flatMap((s) => [...s]));
  let notByPeers = 0;
  for (const ip of hwSet) if (!peersUnion.has(ip)) notByPeers++;
  const peerOnly = new Set([...peersUnion].filter((ip) => !hwSet.has(ip)));
  const peerOnlyByAttempts: Record<string, number> = {};
  for (const n of (await maxAttemptsInWindow(log, year, peerOnly, FINDTIME_MS)).values()) {
    const k = n >= MAXRETRY ? `${MAXRETRY}+` : String(n);
    peerOnlyByAttempts[k] = (peerOnlyByAttempts[k] ?? 0) + 1;
  }
  result.honeywatch = {
    runs_lines_per_s: hwRates,
    events: hw.events,
    skipped_lines: hw.skipped,
    rejected_lines: hw.rejected,
    actors: hw.actors,
    anomalies: hw.anomalies,
    slow_brute_force_ips: hw.ipsByType.get("slow_brute_force")?.size ?? 0,
    ...setReport(hwSet, roles),
    not_flagged_by_peers: peerSets.length > 0 ? notByPeers : 0,
    peer_only_by_attempts: peerOnlyByAttempts,
  };
  if (peerSets.length > 0) result.bruteforce_agreement = share(peersUnion, hwSet);
  result.machine.loadavg_end = Deno.loadavg();
  const hwRate = result.honeywatch_sshd_lines_per_s;
  if (result.fail2ban_lines_per_s) {
    result.honeywatch_over_fail2ban = round3(hwRate / result.fail2ban_lines_per_s);
  }
  if (result.crowdsec_lines_per_s) {
    result.honeywatch_over_crowdsec = round3(hwRate / result.crowdsec_lines_per_s);
  }
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
