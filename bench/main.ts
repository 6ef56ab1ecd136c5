/**
 * `deno task bench [-- --quick] [--only a,b] [--out FILE]`: every benchmark of
 * docs/performance.md (pipeline, e2e, stalled, memory, peers), ending with one JSON object on
 * its own line. `--quick` finishes within about a minute (without `stalled`, unless `--only`
 * names it).
 *
 * `deno task bench -- --soak [--soak-minutes 30] [--soak-rate 2000] [--out FILE]` runs only
 * the soak (bench/soak.ts); it is part of neither `--quick` nor the full run.
 */
import { parseArgs } from "node:util";
import { benchLatency, benchThroughput } from "./e2e.ts";
import { benchMemory } from "./memory.ts";
import { benchPipeline } from "./pipeline.ts";
import { benchSoak } from "./soak.ts";

// deno-lint-ignore no-console
const say = (s: string) => console.error(`[bench] ${s}`);

const { values } = parseArgs({
  args: Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
  options: {
    quick: { type: "boolean" },
    out: { type: "string" },
    only: { type: "string" },
    soak: { type: "boolean" },
    "soak-minutes": { type: "string" },
    "soak-rate": { type: "string" },
  },
  strict: true,
});
const quick = values.quick === true;
const only = values.only ? new Set(values.only.split(",")) : null;
const soak = values.soak === true;
const want = (name: string) => !soak && (!only || only.has(name));

/** A positive number option, or its default. */
function positive(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`Option --${name} is ${JSON.stringify(v)}, must be a positive number`);
  return n;
}
const soakMinutes = positive("soak-minutes", values["soak-minutes"], 30);
const soakRate = positive("soak-rate", values["soak-rate"], 2000);

const result: Record<string, unknown> = { quick, deno: Deno.version.deno, started: new Date().toISOString() };
const details: Record<string, unknown> = {};
const dir = await Deno.makeTempDir({ prefix: "hw-bench-" });

try {
  if (want("pipeline")) {
    say("pipeline, in process");
    const p = benchPipeline(quick ? 100_000 : 500_000, quick ? 3 : 5, quick ? 20_000 : 100_000);
    details.pipeline = p;
    result.pipeline_events_per_s = p.pipeline_events_per_s;
    result.parse_only_events_per_s = p.parse_only_events_per_s;
    result.pipeline_ratio_to_parse = p.ratio_to_parse;
    result.pipeline_rules_only_events_per_s = p.rules_only_events_per_s;
  }
  if (want("e2e")) {
    say("end to end: throughput (realistic Cowrie stream, then a new source IP every line)");
    const t = await benchThroughput(quick ? 30_000 : 300_000, dir, { workload: "cowrie" });
    const d = await benchThroughput(quick ? 20_000 : 200_000, dir, { workload: "distinct" });
    details.e2e_throughput = [t, d];
    result.e2e_events_per_s = t.e2e_events_per_s;
    result.e2e_events_per_s_distinct_ips = d.e2e_events_per_s;
    say("end to end: latency at 1k and 10k events/s");
    const l1 = await benchLatency(1_000, quick ? 3 : 20, dir);
    const l10 = await benchLatency(10_000, quick ? 3 : 20, dir);
    details.e2e_latency = [l1, l10];
    result.p99_ms_at_1k = l1.p99_ms;
    result.p99_ms_at_10k = l10.p99_ms;
    result.p50_ms_at_10k = l10.p50_ms;
  }
  // Not in --quick (two more server runs would take it past a minute) unless asked by --only.
  if (want("stalled") && (!quick || only?.has("stalled"))) {
    // The same anomaly-heavy workload with 0 and with 100 live subscribers that never read:
    // their queues drop (counted), ingest should not slow down.
    const n = quick ? 10_000 : 100_000;
    const attackers = Math.max(20, Math.round(n / 300));
    say(`end to end: throughput with 0 and 100 stalled subscribers (${n} lines, ${attackers} attackers)`);
    const s0 = await benchThroughput(n, dir, { attackers });
    const s100 = await benchThroughput(n, dir, { attackers, stalled: 100 });
    details.e2e_stalled = [s0, s100];
    result.e2e_events_per_s_stalled_0 = s0.e2e_events_per_s;
    result.e2e_events_per_s_stalled_100 = s100.e2e_events_per_s;
    result.stalled_100_ratio = Math.round((s100.e2e_events_per_s / s0.e2e_events_per_s) * 1000) / 1000;
  }
  if (want("memory")) {
    say("memory per tracked IP");
    const sizes = quick ? [20_000] : [100_000, 1_000_000];
    const ms = [];
    for (const n of sizes) ms.push(await benchMemory(n));
    details.memory = ms;
    const last = ms.at(-1)!;
    result.bytes_per_active_ip = last.bytes_per_active_ip_heap;
    result.bytes_per_idle_ip = last.bytes_per_idle_ip_heap;
    result.bytes_per_idle_ip_rss = last.bytes_per_idle_ip_rss;
  }
  if (want("peers")) {
    say("side by side with fail2ban and CrowdSec");
    try {
      const mod = await import("./peers.ts") as unknown as {
        benchPeers?: (o: { quick: boolean; workDir: string }) => Promise<Record<string, unknown>>;
      };
      if (!mod.benchPeers) throw new Error("bench/peers.ts has no benchPeers");
      const p = await mod.benchPeers({ quick, workDir: dir });
      details.peers = p;
      for (
        const k of [
          "fail2ban_lines_per_s",
          "crowdsec_lines_per_s",
          "honeywatch_sshd_lines_per_s",
          "bruteforce_agreement",
        ]
      ) if (p[k] !== undefined && p[k] !== null) result[k] = p[k];
    } catch (e) {
      details.peers = { skipped: String(e) };
      say(`peers skipped: ${e}`);
    }
  }
  if (soak) {
    say(`soak: ${soakMinutes} min at ${soakRate} lines/s, sampled every 10 s`);
    const r = await benchSoak({ minutes: soakMinutes, rate: soakRate, dir, log: say });
    const { samples, ...summary } = r;
    details.soak = { ...summary, samples };
    for (const [k, v] of Object.entries(summary)) result[`soak_${k}`] = v;
  }
} finally {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

if (values.out) await Deno.writeTextFile(values.out, JSON.stringify({ result, details }, null, 2) + "\n");
say(JSON.stringify(details));
// deno-lint-ignore no-console
console.log(JSON.stringify(result));
