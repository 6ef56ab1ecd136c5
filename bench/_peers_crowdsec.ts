/**
 * CrowdSec as a peer: `crowdsec -dsn file://... -type syslog -no-api` (one-shot, time-machine
 * mode) with Debian's offline hub, configured from scratch in a temp folder.
 *
 * Why it needs more than the command line:
 * - Debian's crowdsec 1.4.6 ships the hub offline (`/usr/share/crowdsec/hub`), but its postinst
 *   enables the hub's collections only after registering to the Central API, which fails without
 *   internet; so nothing is enabled under /etc/crowdsec. We enable what the postinst would
 *   (collection `crowdsecurity/linux`: syslog-logs, dateparse-enrich, sshd-logs, ssh-bf,
 *   ssh-slow-bf; plus the whitelists parser) by symlinks in our own config folder, resolved through
 *   the hub's `.index.json`, and leave the system's configuration alone.
 * - With `-no-api` the agent still logs in to a Local API at start-up and pushes its alerts there;
 *   without one it exits ("starting outputs error"). A small in-process HTTP receiver plays that
 *   remote LAPI: it accepts the watcher login and counts the pushed alerts.
 * - The agent logs every overflow (`Ip X performed 'scenario' (...)`) on stderr: that is what we
 *   read for the flagged IPs; the pushed alerts are counted to see what a LAPI would have got.
 * - 1.4.6 keeps every bucket in time-machine mode (memory grows with IP cardinality, GBs on 1M
 *   lines) and can hang after reading the file, so the run is bounded in time and resident
 *   memory, and stopped a grace period after it reports the end of acquisition.
 */
import { normaliseIp } from "../lib/ip.ts";
import { runBounded } from "./_peers_process.ts";

/** Debian's offline hub and grok patterns. */
export const CROWDSEC_HUB = "/usr/share/crowdsec/hub";
export const CROWDSEC_PATTERNS = "/etc/crowdsec/patterns";
/** What Debian's postinst enables that concerns sshd: the linux collection and the whitelists. */
const ENABLE = { collections: ["crowdsecurity/linux"], parsers: ["crowdsecurity/whitelists"] };

/** Options of {@linkcode runCrowdsec}. */
export interface CrowdsecOptions {
  timeoutMs: number;
  maxRssBytes: number;
  /** How long to wait for a clean exit after "Acquisition is finished". */
  graceMs: number;
}

/** What one crowdsec one-shot run gave. */
export interface CrowdsecRun {
  /** Wall time used for the rate, ms: to its exit, or to the end of acquisition when it had to be stopped. */
  ms: number;
  rateBasis: "exit" | "acquisition_finished" | "last_overflow";
  wallMs: number;
  /** How it ended: "exit 0", "stopped: hung after acquisition", "stopped: timeout", "stopped: memory". */
  outcome: string;
  peakRssBytes: number;
  /** Overflows logged, by scenario. */
  overflows: Record<string, number>;
  /** IPs with at least one overflow, by scenario. */
  ipsByScenario: Map<string, Set<string>>;
  /** Alerts the receiver (the stand-in LAPI) got. */
  alertsPushed: number;
  /** Event time (ISO) of the last overflow: how far into the file it got. */
  lastOverflowAt: string | null;
  /** Hub items enabled. */
  items: string[];
}

interface HubItem {
  path: string;
  stage?: string;
  parsers?: string[];
  scenarios?: string[];
  postoverflows?: string[];
  collections?: string[];
}
type HubIndex = Record<"collections" | "parsers" | "scenarios" | "postoverflows", Record<string, HubItem>>;

/** Is Debian's crowdsec with its offline hub here? Returns why not, or null. */
export async function crowdsecMissing(): Promise<string | null> {
  for (const p of ["/usr/bin/crowdsec", `${CROWDSEC_HUB}/.index.json`, CROWDSEC_PATTERNS]) {
    try {
      await Deno.stat(p);
    } catch {
      return `${p} not found (apt-get install crowdsec)`;
    }
  }
  return null;
}

/** Write a one-shot config in `dir` whose API client points at `lapiUrl`; returns the enabled items. */
export async function writeCrowdsecConfig(dir: string, lapiUrl: string): Promise<string[]> {
  const index = JSON.parse(await Deno.readTextFile(`${CROWDSEC_HUB}/.index.json`)) as HubIndex;
  const enabled: string[] = [];
  const link = async (kind: keyof HubIndex, name: string) => {
    const item = index[kind][name];
    if (item === undefined) throw new Error(`CrowdSec hub index has no ${kind} "${name}"`);
    if (kind === "collections") {
      for (const k of ["parsers", "scenarios", "postoverflows", "collections"] as const) {
        for (const n of item[k] ?? []) await link(k, n);
      }
      return;
    }
    // The agent wants <kind>/<stage>/<file> for parsers, <kind>/<file> for scenarios (no vendor folder).
    const sub = item.stage ? `${kind}/${item.stage}` : kind;
    await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
    const target = `${dir}/${sub}/${item.path.split("/").pop()}`;
    await Deno.remove(target).catch(() => {});
    await Deno.symlink(`${CROWDSEC_HUB}/${item.path}`, target);
    enabled.push(name);
  };
  for (const c of ENABLE.collections) await link("collections", c);
  for (const p of ENABLE.parsers) await link("parsers", p);
  await Deno.remove(`${dir}/patterns`).catch(() => {});
  await Deno.symlink(CROWDSEC_PATTERNS, `${dir}/patterns`);
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  await Deno.writeTextFile(`${dir}/simulation.yaml`, "simulation: off\n");
  await Deno.writeTextFile(`${dir}/acquis.yaml`, "");
  await Deno.writeTextFile(`${dir}/lapi.yaml`, `url: ${lapiUrl}\nlogin: bench\npassword: bench\n`);
  await Deno.writeTextFile(
    `${dir}/config.yaml`,
    [
      "common:",
      "  daemonize: false",
      "  log_media: stdout",
      "  log_level: info",
      `  working_dir: ${dir}`,
      "config_paths:",
      `  config_dir: ${dir}/`,
      `  data_dir: ${dir}/data/`,
      `  simulation_path: ${dir}/simulation.yaml`,
      `  hub_dir: ${CROWDSEC_HUB}/`,
      `  index_path: ${CROWDSEC_HUB}/.index.json`,
      "crowdsec_service:",
      `  acquisition_path: ${dir}/acquis.yaml`,
      "  parser_routines: 1", // Debian's default
      "api:",
      "  client:",
      `    credentials_path: ${dir}/lapi.yaml`,
      "prometheus:",
      "  enabled: false",
      "",
    ].join("\n"),
  );
  return enabled;
}

/** The stand-in for a remote Local API: accepts the watcher login, counts pushed alerts. */
function startLapi(): { url: Promise<string>; alerts: () => number; close: () => Promise<void> } {
  let alerts = 0;
  const { promise: url, resolve } = Promise.withResolvers<string>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: ({ port }) => resolve(`http://127.0.0.1:${port}/`) },
    async (req) => {
      const path = new URL(req.url).pathname;
      const body = await req.text();
      if (path.endsWith("/watchers/login")) {
        return Response.json({
          code: 200,
          expire: new Date(Date.now() + 86_400_000).toISOString(),
          token: "bench",
        });
      }
      if (path.endsWith("/alerts") && req.method === "POST") {
        const list = JSON.parse(body) as unknown[];
        const ids = list.map((_, i) => String(alerts + i + 1));
        alerts += list.length;
        return Response.json(ids);
      }
      return Response.json([]);
    },
  );
  return { url, alerts: () => alerts, close: () => server.shutdown() };
}

/** `msg="Ip 1.2.3.4 performed 'crowdsecurity/ssh-bf' (6 events over 9s) at 2026-09-01 14:45:55 +0000 UTC"` */
const OVERFLOW = /msg="Ip (\S+) performed '([^']+)' \(\d+ events over [^)]*\) at (\S+) (\S+) /;

/** Run crowdsec one-shot over `log` with a fresh config in `dir`. */
export async function runCrowdsec(log: string, dir: string, opts: CrowdsecOptions): Promise<CrowdsecRun> {
  await Deno.mkdir(dir, { recursive: true });
  const lapi = startLapi();
  let grace: ReturnType<typeof setTimeout> | undefined;
  try {
    const items = await writeCrowdsecConfig(dir, await lapi.url);
    const overflows: Record<string, number> = {};
    const ipsByScenario = new Map<string, Set<string>>();
    const tail: string[] = [];
    let lastOverflowAt: string | null = null;
    let lastOverflowMs = 0;
    let acquiredMs = 0;
    const t0 = performance.now();
    const run = await runBounded(
      "crowdsec",
      ["-c", `${dir}/config.yaml`, "-dsn", `file://${log}`, "-type", "syslog", "-no-api"],
      {
        cwd: dir,
        timeoutMs: opts.timeoutMs,
        maxRssBytes: opts.maxRssBytes,
        onStderr(line, stop) {
          const m = OVERFLOW.exec(line);
          if (m) {
            const ip = normaliseIp(m[1]) ?? m[1];
            overflows[m[2]] = (overflows[m[2]] ?? 0) + 1;
            let set = ipsByScenario.get(m[2]);
            if (set === undefined) ipsByScenario.set(m[2], set = new Set());
            set.add(ip);
            lastOverflowAt = `${m[3]}T${m[4]}Z`;
            lastOverflowMs = performance.now() - t0;
            return;
          }
          if (line.includes("level=fatal") || line.includes("level=error")) {
            tail.push(line);
            if (tail.length > 10) tail.shift();
          }
          if (acquiredMs === 0 && line.includes("Acquisition is finished")) {
            acquiredMs = performance.now() - t0;
            grace = setTimeout(stop, opts.graceMs);
          }
        },
      },
    );
    const outcome = run.stoppedBy === "asked"
      ? `stopped: hung ${Math.round(opts.graceMs / 1000)} s after acquisition finished`
      : run.stoppedBy !== null
      ? `stopped: ${run.stoppedBy}`
      : `exit ${run.code ?? run.signal}`;
    if (run.stoppedBy === null && run.code !== 0) {
      throw new Error(`crowdsec exited with ${run.code ?? run.signal}: ${tail.join("\n")}`);
    }
    const rateBasis = run.stoppedBy === null
      ? "exit"
      : acquiredMs > 0
      ? "acquisition_finished"
      : "last_overflow";
    return {
      ms: rateBasis === "exit" ? run.ms : rateBasis === "acquisition_finished" ? acquiredMs : lastOverflowMs,
      rateBasis,
      wallMs: run.ms,
      outcome,
      peakRssBytes: run.peakRssBytes,
      overflows,
      ipsByScenario,
      alertsPushed: lapi.alerts(),
      lastOverflowAt,
      items,
    };
  } finally {
    clearTimeout(grace);
    await lapi.close();
  }
}
