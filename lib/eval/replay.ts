/**
 * Replays records through the real server pipeline (parsers, actors, rule detectors, online
 * models) on a fake clock and an in-memory KV, collecting every anomaly raised: what
 * `deno task eval` measures.
 */
import { FakeClock } from "../clock.ts";
import { loadConfig } from "../config.ts";
import { type Runtime, startRuntime } from "../runtime.ts";
import type { Anomaly, Source } from "../schema.ts";

export interface ReplayOptions {
  source: Source;
  sensor?: string;
  /** Records per ingest batch (default 100, the collector's usual frame). */
  batch?: number;
  /** Extra server flags, e.g. `["--config", "honeywatch.json"]`. */
  args?: string[];
  /** Called once the runtime is up (e.g. to add a pipeline observer that records features). */
  onRuntime?: (rt: Runtime) => void;
}

export interface ReplayOutcome {
  /** Latest version of each anomaly (by id), in raise order. */
  anomalies: Anomaly[];
  events: number;
  rejected: number;
}

/** Replay `records` (raw lines or objects) and return the anomalies. */
export async function replayRecords(
  records: Iterable<unknown> | AsyncIterable<unknown>,
  o: ReplayOptions,
): Promise<ReplayOutcome> {
  const config = loadConfig(
    ["--ingest-token", "eval-token-000", "--flush-interval", "1h", ...(o.args ?? [])],
    {},
  );
  const kv = await Deno.openKv(":memory:");
  const clock = new FakeClock(0);
  const rt = await startRuntime(kv, config, clock);
  o.onRuntime?.(rt);
  const sub = rt.hub.subscribe({ events: new Set(["anomaly"]) }, Number.MAX_SAFE_INTEGER);
  const byId = new Map<string, Anomaly>();
  let events = 0;
  let rejected = 0;
  try {
    let buf: unknown[] = [];
    const send = async () => {
      const r = await rt.pipeline.ingest({ sensor: o.sensor ?? "eval", source: o.source, records: buf });
      buf = [];
      events += r.accepted;
      rejected += r.rejected;
      if (r.latestTs !== null && r.latestTs > clock.now()) clock.set(r.latestTs);
      for (const m of sub.take()) {
        const a = m.data as Anomaly;
        byId.set(a.id, a);
      }
    };
    for await (const rec of records) {
      buf.push(rec);
      if (buf.length >= (o.batch ?? 100)) await send();
    }
    if (buf.length > 0) await send();
    await rt.flush();
    for (const m of sub.take()) byId.set((m.data as Anomaly).id, m.data as Anomaly);
  } finally {
    sub.close();
    await rt.close();
    kv.close();
  }
  return { anomalies: [...byId.values()], events, rejected };
}

/** Lines of JSON-lines files (empty lines skipped), in order. */
export async function readLines(files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    for (const line of (await Deno.readTextFile(f)).split("\n")) if (line.trim() !== "") out.push(line);
  }
  return out;
}
