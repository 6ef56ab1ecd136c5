/**
 * Benchmark 1: the pipeline in process. Parse, normalise, actor step, every rule detector and
 * the online models (unusual, traffic_spike, drift; fed per 400-event batch as the server
 * does) on a realistic replay, next to a JSON.parse-only pass over the same lines in the same
 * run. No KV here: durable writes are measured end to end (bench/e2e.ts).
 */
import { type ActorState, newActor, step } from "../actors/actor.ts";
import type { ActorSystem } from "../actors/system.ts";
import { buildDetectors } from "../lib/detectors/mod.ts";
import { OnlineModels } from "../lib/online/mod.ts";
import { parseCowrieLine } from "../lib/parsers/cowrie.ts";
import type { NormalisedEvent } from "../lib/schema.ts";
import { cowrieLines, median } from "./_workload.ts";

export interface PipelineResult {
  lines: number;
  parse_only_events_per_s: number;
  parse_normalise_events_per_s: number;
  /** Everything: parse, normalise, actors, rule detectors and online models. */
  pipeline_events_per_s: number;
  /** Without the online models. */
  rules_only_events_per_s: number;
  ratio_to_parse: number;
  anomalies: number;
  actors: number;
}

function rate(n: number, ms: number): number {
  return Math.round(n / (ms / 1000));
}

/** Run each pass `rounds` times over `n` lines; report the median rates. */
export function benchPipeline(n: number, rounds: number, modelLines = n): PipelineResult {
  const lines = cowrieLines(n);
  const parseOnly: number[] = [];
  const normalise: number[] = [];
  const full: number[] = [];
  const rulesOnly: number[] = [];
  let anomalies = 0;
  let actorCount = 0;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    for (const l of lines) sink += (JSON.parse(l) as { src_ip: string }).src_ip.length;
    parseOnly.push(rate(lines.length, performance.now() - t));

    t = performance.now();
    for (const l of lines) if (parseCowrieLine(l, "bench").ok === true) sink++;
    normalise.push(rate(lines.length, performance.now() - t));

    for (const models of [false, true]) {
      // The models cost ~10x the rest: they run over the first `modelLines` lines.
      const m = models ? Math.min(modelLines, lines.length) : lines.length;
      const detectors = buildDetectors();
      const actors = new Map<string, ActorState>();
      const online = models ? new OnlineModels({ retentionMs: 7 * 86_400_000 }) : null;
      const view = { peek: (ip: string) => actors.get(ip) } as unknown as ActorSystem;
      let batch: NormalisedEvent[] = [];
      let raised = 0;
      t = performance.now();
      for (let i = 0; i < m; i++) {
        const p = parseCowrieLine(lines[i], "bench");
        if (p.ok !== true) continue;
        const ev = p.event as NormalisedEvent;
        ev.id = `bench.${i}`;
        let a = actors.get(ev.src_ip);
        if (!a) actors.set(ev.src_ip, a = newActor(ev.src_ip));
        raised += step(a, ev, detectors).anomalies.length;
        if (online) {
          batch.push(ev);
          if (batch.length === 400 || i === m - 1) {
            raised += online.observe({ events: batch, actors: view, sensor: "bench" }).anomalies.length;
            batch = [];
          }
        }
      }
      (models ? full : rulesOnly).push(rate(m, performance.now() - t));
      if (!models) {
        actorCount = actors.size;
        anomalies = raised; // of the rule detectors over all `n` lines
      }
    }
  }
  if (sink === -1) throw new Error("unreachable");
  const p = median(full);
  const j = median(parseOnly);
  return {
    lines: lines.length,
    parse_only_events_per_s: j,
    parse_normalise_events_per_s: median(normalise),
    pipeline_events_per_s: p,
    rules_only_events_per_s: median(rulesOnly),
    ratio_to_parse: Math.round((p / j) * 1000) / 1000,
    anomalies,
    actors: actorCount,
  };
}

if (import.meta.main) {
  // deno-lint-ignore no-console
  console.log(JSON.stringify(benchPipeline(Number(Deno.args[0] ?? 200_000), 5)));
}
