/**
 * `deno task nab -- --data DIR --out DIR`: runs the spike detector's series scoring
 * (`lib/online/series_detector.ts`) over every NAB series, writes NAB-format result files
 * (`OUT/<detector>/<category>/<detector>_<file>.csv` with `timestamp,value,anomaly_score,label`)
 * and prints the NAB score under the three profiles (`lib/eval/nab.ts`).
 *
 * `--data` is NAB's root (with `data/` and `labels/combined_windows.json`) or its `data/` folder.
 */
import { parseArgs } from "node:util";
import { nabScore, parseNabCsv, PROFILES, type ScoredSeries, windowRows } from "../lib/eval/nab.ts";
import { SeriesDetector, type SeriesDetectorOptions } from "../lib/online/series_detector.ts";

const USAGE =
  "Usage: deno task nab -- --data DIR --out DIR [--window N] [--memory N] [--scale Z] [--name NAME]";

/** Run the detector over a NAB corpus; returns the scored series and writes result files. */
export async function runNab(
  root: string,
  out: string | null,
  options: Partial<SeriesDetectorOptions> = {},
  name = "honeywatch",
): Promise<ScoredSeries[]> {
  const labels = JSON.parse(await Deno.readTextFile(`${root}/labels/combined_windows.json`)) as Record<
    string,
    [string, string][]
  >;
  const series: ScoredSeries[] = [];
  for (const file of Object.keys(labels).sort()) {
    const { timestamps, values } = parseNabCsv(await Deno.readTextFile(`${root}/data/${file}`));
    const det = new SeriesDetector(options);
    const scores = values.map((v) => det.update(v));
    const windows = windowRows(timestamps, labels[file]);
    series.push({ name: file, scores, windows });
    if (out) {
      const [category, base] = file.split("/");
      const dir = `${out}/${name}/${category}`;
      await Deno.mkdir(dir, { recursive: true });
      const inWindow = new Uint8Array(values.length);
      for (const [a, b] of windows) inWindow.fill(1, a, b + 1);
      const lines = ["timestamp,value,anomaly_score,label"];
      for (let i = 0; i < values.length; i++) {
        lines.push(`${timestamps[i]},${values[i]},${scores[i]},${inWindow[i]}`);
      }
      await Deno.writeTextFile(`${dir}/${name}_${base}`, lines.join("\n") + "\n");
    }
  }
  return series;
}

if (import.meta.main) {
  const { values } = parseArgs({
    // `deno task NAME -- ...` passes the "--" through.
    args: Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
    options: {
      data: { type: "string" },
      out: { type: "string" },
      window: { type: "string" },
      memory: { type: "string" },
      scale: { type: "string" },
      name: { type: "string" },
    },
  });
  if (!values.data || !values.out) {
    // deno-lint-ignore no-console
    console.error(USAGE);
    Deno.exit(2);
  }
  let root = values.data.replace(/\/$/, "");
  if (root.endsWith("/data")) root = root.slice(0, -5);
  const opts: Partial<SeriesDetectorOptions> = {};
  if (values.window) opts.window = Number(values.window);
  if (values.memory) opts.memory = Number(values.memory);
  if (values.scale) opts.scale = Number(values.scale);
  const name = values.name ?? "honeywatch";
  const series = await runNab(root, values.out, opts, name);
  const result = Object.fromEntries(Object.entries(PROFILES).map(([p, prof]) => [p, nabScore(series, prof)]));
  await Deno.writeTextFile(`${values.out}/${name}_scores.json`, JSON.stringify(result, null, 2) + "\n");
  // deno-lint-ignore no-console
  console.log(
    JSON.stringify({ detector: name, options: opts, files: series.length, scores: result }, null, 2),
  );
}
