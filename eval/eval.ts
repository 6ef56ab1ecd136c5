/**
 * `deno task eval -- --source cowrie --labels labels.json FILE...`: replays files through the
 * pipeline on a fake clock and prints per-type precision, recall, F1, precision@k and median
 * detection delay as JSON (matching rule in `lib/eval/metrics.ts`).
 */
import { parseArgs } from "node:util";
import { evaluate, type Label } from "../lib/eval/metrics.ts";
import { readLines, replayRecords } from "../lib/eval/replay.ts";
import { setLogLevel } from "../lib/log.ts";
import { Source } from "../lib/schema.ts";

const USAGE = `Usage: deno task eval -- --source cowrie --labels labels.json [--batch 100] FILE...`;

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    // `deno task NAME -- ...` passes the "--" through.
    args: Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
    options: { source: { type: "string" }, labels: { type: "string" }, batch: { type: "string" } },
    allowPositionals: true,
  });
  const source = Source.safeParse(values.source ?? "cowrie");
  if (!source.success || !values.labels || positionals.length === 0) {
    // deno-lint-ignore no-console
    console.error(USAGE);
    Deno.exit(2);
  }
  setLogLevel("warn");
  const labels = JSON.parse(await Deno.readTextFile(values.labels)) as Label[];
  const lines = await readLines(positionals);
  const { anomalies, events, rejected } = await replayRecords(lines, {
    source: source.data,
    batch: values.batch ? Number(values.batch) : 100,
  });
  const metrics = evaluate(labels, anomalies);
  // deno-lint-ignore no-console
  console.log(
    JSON.stringify({ files: positionals, events, rejected, labels: labels.length, metrics }, null, 2),
  );
}
