/**
 * `deno run -A eval/generated.ts [--seed 1] [--minutes 60] [--rate 20]`: the Cowrie generator's own
 * stream (background plus every scheduled attack: brute force, slow brute force, port scans,
 * malware droppers, unusual sessions) replayed through the pipeline, scored against the
 * generator's labels (one per attacking IP and type, spanning its records) with the same metrics
 * as `deno task eval`. Harder than `replay --inject`, whose background holds no attacks.
 */
import { parseArgs } from "node:util";
import { generateCowrie, parseCowrieTimestamp } from "../collector/generate.ts";
import { evaluate, type Label } from "../lib/eval/metrics.ts";
import { replayRecords } from "../lib/eval/replay.ts";
import { setLogLevel } from "../lib/log.ts";

/** Records and labels of `minutes` of the generator's stream at `rate` events/s. */
export function generatedStream(
  seed: number,
  minutes: number,
  rate: number,
): { records: unknown[]; labels: Label[] } {
  const start = Date.UTC(2026, 0, 5, 10);
  const records: unknown[] = [];
  const spans = new Map<string, { ip: string; type: string; start: number; end: number }>();
  for (const { record, label } of generateCowrie({ seed, start, rate })) {
    const ts = parseCowrieTimestamp(String(record.timestamp))!;
    if (ts > start + minutes * 60_000) break;
    records.push(record);
    if (!label) continue;
    const k = `${label.ip}|${label.type}`;
    const s = spans.get(k);
    if (s) s.end = ts;
    else spans.set(k, { ip: label.ip, type: label.type, start: ts, end: ts });
  }
  const labels = [...spans.values()].map((s) => ({
    ip: s.ip,
    type: s.type,
    start: new Date(s.start).toISOString(),
    end: new Date(s.end).toISOString(),
  }));
  return { records, labels };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
    options: { seed: { type: "string" }, minutes: { type: "string" }, rate: { type: "string" } },
  });
  setLogLevel("warn");
  const seed = Number(values.seed ?? "1");
  const { records, labels } = generatedStream(
    seed,
    Number(values.minutes ?? "60"),
    Number(values.rate ?? "20"),
  );
  const { anomalies, events } = await replayRecords(records, { source: "cowrie" });
  // deno-lint-ignore no-console
  console.log(
    JSON.stringify({ seed, events, labels: labels.length, metrics: evaluate(labels, anomalies) }, null, 2),
  );
}
