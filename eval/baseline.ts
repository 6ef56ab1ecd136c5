/**
 * `deno task baseline -- [--labels labels.json] [--contamination 0.01] FILE...`: the offline
 * Isolation Forest baseline over the same per-actor vectors the online `unusual` detector
 * scores (replayed through the same pipeline), flagged at the top `contamination` of scores,
 * one anomaly per IP episode, scored with the same metrics as `deno task eval`. It also
 * prints the ROC-AUC of both models over the same vectors (positive = an `unusual` label's IP
 * inside its matching interval).
 */
import { parseArgs } from "node:util";
import { IsolationForest } from "../lib/eval/isolation_forest.ts";
import { type Detection, evaluate, GRACE_AFTER_END_MS, type Label, rocAuc } from "../lib/eval/metrics.ts";
import { readLines, replayRecords } from "../lib/eval/replay.ts";
import { setLogLevel } from "../lib/log.ts";
import { Ccipca, HalfSpaceTrees, MinMaxScaler } from "../lib/models/mod.ts";
import { treeInput } from "../lib/online/unusual.ts";
import { Source } from "../lib/schema.ts";

const USAGE =
  "Usage: deno task baseline -- [--source cowrie] [--labels labels.json] [--contamination 0.01] FILE...";

/** One per-actor vector as the online detector saw it. */
interface Seen {
  ip: string;
  ts: number;
  x: number[];
  hst: number;
  /** Whether the online detector's novelty gate (rare commands or a new hash) is open. */
  novel: boolean;
}

/**
 * Does CCIPCA help HST? Prequentially (score, then learn, no filter): HST on the scaled features
 * against HST on their first k CCIPCA components (min-max scaled online), same seed.
 */
function pcaComparison(xs: readonly number[][], truth: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  const raw = new HalfSpaceTrees({ seed: 7 });
  const rawScores = xs.map((x) => {
    const f = Object.fromEntries(x.map((v, i) => [`f${i}`, v]));
    const s = raw.scoreOne(f);
    raw.learnOne(f);
    return s;
  });
  out.prequentialHstRaw = rocAuc(rawScores, truth);
  for (const k of [2, 4, 8]) {
    const pca = new Ccipca({ nComponents: k });
    const scaler = new MinMaxScaler();
    const hst = new HalfSpaceTrees({ seed: 7 });
    const scores = xs.map((x) => {
      const p = pca.n > k ? Object.fromEntries(pca.transform(x).map((v, i) => [`c${i}`, v])) : {};
      scaler.learnOne(p);
      const f = scaler.transformOne(p);
      const s = Object.keys(f).length > 0 ? hst.scoreOne(f) : 0;
      if (Object.keys(f).length > 0) hst.learnOne(f);
      pca.learnOne(x);
      return s;
    });
    out[`prequentialHstCcipca${k}`] = rocAuc(scores, truth);
  }
  return out;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    // `deno task NAME -- ...` passes the "--" through.
    args: Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
    options: { source: { type: "string" }, labels: { type: "string" }, contamination: { type: "string" } },
    allowPositionals: true,
  });
  const source = Source.safeParse(values.source ?? "cowrie");
  if (!source.success || positionals.length === 0) {
    // deno-lint-ignore no-console
    console.error(USAGE);
    Deno.exit(2);
  }
  setLogLevel("warn");
  const contamination = Number(values.contamination ?? "0.01");
  const labels: Label[] = values.labels ? JSON.parse(await Deno.readTextFile(values.labels)) : [];
  const seen: Seen[] = [];
  let names: string[] | null = null;
  const online = await replayRecords(await readLines(positionals), {
    source: source.data,
    onRuntime: (rt) =>
      rt.pipeline.addObserver({
        name: "baseline_recorder",
        observe: (batch) => {
          const last = new Map<string, number>();
          for (const e of batch.events) last.set(e.src_ip, Math.max(last.get(e.src_ip) ?? 0, e.ts));
          for (const [ip, ts] of last) {
            const actor = batch.actors.peek(ip);
            if (!actor) continue;
            const input = rt.models.unusual.input(actor, ts);
            const t = treeInput(input);
            const u = rt.models.unusual;
            const novel = input.rare_commands >= u.o.minRare || input.new_hashes > 0;
            names ??= Object.keys(t).sort();
            seen.push({
              ip,
              ts,
              x: names.map((n) => t[n] ?? 0),
              hst: rt.models.batchScores.get(ip) ?? 0,
              novel,
            });
          }
          return [];
        },
      }),
  });
  const forest = new IsolationForest(seen.map((s) => s.x), { seed: 0 });
  const scores = seen.map((s) => forest.score(s.x));
  const cut = [...scores].sort((a, b) => b - a)[Math.max(0, Math.floor(contamination * scores.length) - 1)];
  // One anomaly per IP episode (10 minutes), as the online detector keeps one open per IP.
  const flag = (gated: boolean): Detection[] => {
    const open = new Map<string, number>();
    const out: Detection[] = [];
    seen.forEach((s, i) => {
      if (scores[i] < cut || (gated && !s.novel)) return;
      const since = open.get(s.ip);
      if (since !== undefined && s.ts - since <= 600_000) return;
      open.set(s.ip, s.ts);
      out.push({ type: "unusual", ip: s.ip, ts: new Date(s.ts).toISOString(), score: scores[i] });
    });
    return out;
  };
  const truth = seen.map((s) =>
    labels.some((l) =>
        l.type === "unusual" && l.ip === s.ip && s.ts >= Date.parse(l.start) &&
        s.ts <= Date.parse(l.end) + GRACE_AFTER_END_MS
      )
      ? 1
      : 0
  );
  const onlineUnusual = online.anomalies.filter((a) => a.type === "unusual");
  const pca = pcaComparison(seen.map((s) => s.x), truth);
  const report = {
    files: positionals,
    vectors: seen.length,
    contamination,
    threshold: cut,
    isolationForest: evaluate(labels.filter((l) => l.type === "unusual"), flag(false)).unusual ?? null,
    // The same novelty gate as the online detector (>= minRare rare commands or a new hash).
    isolationForestGated: evaluate(labels.filter((l) => l.type === "unusual"), flag(true)).unusual ?? null,
    onlineUnusual: evaluate(labels.filter((l) => l.type === "unusual"), onlineUnusual).unusual ?? null,
    rocAuc: {
      positives: truth.filter((y) => y === 1).length,
      isolationForest: rocAuc(scores, truth),
      halfSpaceTrees: rocAuc(seen.map((s) => s.hst), truth),
      ...pca,
    },
  };
  // deno-lint-ignore no-console
  console.log(JSON.stringify(report, null, 2));
}
