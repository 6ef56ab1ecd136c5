/**
 * Replays a recorded (or generated) Cowrie log with labelled attacks injected, to a server
 * through the real uplink (disk spool, resume, dedup: exactly once even if the server dies)
 * or to a file.
 *
 *   deno run -A collector/replay.ts --server ws://127.0.0.1:8000/ingest --token T --sensor replay \
 *     --rate 50 --inject brute_force,port_scan,traffic_spike,unusual --labels-out labels.json cowrie.json
 *   deno run -A collector/replay.ts --generate --duration 10m --inject brute_force --out replay.json \
 *     --labels-out labels.json
 *
 * `--rate R` paces sending at R events per second of wall time (0: as fast as the server takes
 * them). Timestamps are shifted by one constant so the first event is now (`--keep-time`: as
 * recorded); the spacing between events is the recording's. A summary JSON line goes to stdout.
 */
import { announce, log, setLogLevel } from "../lib/log.ts";
import { MAX_BATCH_EVENTS, SensorName } from "../lib/schema.ts";
import { parseBytes, splitArgs, UsageError } from "./cli.ts";
import { INJECTABLE, type Injectable } from "./inject.ts";
import { planReplay, type ReplayRecord } from "./replay_source.ts";
import { Spool } from "./spool.ts";
import { Uplink } from "./uplink.ts";

export const REPLAY_USAGE = `honeywatch replay: replays a Cowrie log with labelled attacks injected.

Usage:
  deno run -A collector/replay.ts (--server URL --token T | --out FILE) [options] (FILE... | --generate)

  --server URL          ingest WebSocket (ws://HOST:PORT/ingest); or --out FILE to write JSON lines
  --token T             ingest token (or HONEYWATCH_TOKEN)
  --sensor NAME         sensor name on the server (default "replay")
  --rate R              events per second of wall time when sending; 0 = as fast as possible (default 50)
  --inject LIST         comma-separated: ${INJECTABLE.join(", ")} (a type may repeat)
  --labels-out FILE     ground truth: [{"ip","type","start","end"}], ISO 8601 UTC
  --keep-time           keep recorded timestamps (default: shift so the first event is now)
  --generate            replay a generated background stream instead of FILEs
  --duration D          with --generate: event-time length, e.g. 90s, 10m, 1h (default 10m)
  --count N             with --generate: exactly N background events (instead of --duration)
  --gen-rate R          with --generate: events per second of event time (default: --rate, or 50)
  --seed N              generator and injection seed (default 1)
  --state-dir DIR       spool for sending (default: a temporary dir, removed at the end)
  --spool-max-bytes N   spool bound (default 256M; the replay waits when it is full)
  --log-level L         debug | info | warn | error (default info)
`;

/** `90s`, `10m`, `1h`, `500ms` -> milliseconds. */
export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v.trim());
  if (!m) throw new UsageError(`Flag --${flag} is "${v}": expected a duration such as 90s, 10m or 1h`);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * mult;
}

const VALUED = new Set([
  "server",
  "token",
  "sensor",
  "rate",
  "inject",
  "labels-out",
  "duration",
  "count",
  "gen-rate",
  "seed",
  "out",
  "state-dir",
  "spool-max-bytes",
  "log-level",
]);
const BOOLEAN = new Set(["keep-time", "generate", "help"]);

export interface ReplayConfig {
  server?: string;
  token?: string;
  sensor: string;
  rate: number;
  inject: Injectable[];
  labelsOut?: string;
  keepTime: boolean;
  generate?: { durationMs?: number; count?: number; rate?: number };
  seed: number;
  out?: string;
  stateDir?: string;
  spoolMaxBytes: number;
  files: string[];
  logLevel: "debug" | "info" | "warn" | "error";
  help: boolean;
}

function num(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < min) {
    throw new UsageError(`Flag --${flag} is "${v}": must be a number >= ${min}`);
  }
  return n;
}

export function parseReplayArgs(
  args: readonly string[],
  env: Record<string, string | undefined>,
): ReplayConfig {
  const { flags, bools, files } = splitArgs(args, VALUED, BOOLEAN);
  const logLevel = (flags.get("log-level") ?? "info") as ReplayConfig["logLevel"];
  if (!["debug", "info", "warn", "error"].includes(logLevel)) {
    throw new UsageError(`Flag --log-level is "${logLevel}": must be one of debug, info, warn, error`);
  }
  const inject = (flags.get("inject") ?? "").split(",").map((s) => s.trim()).filter(Boolean).map((t) => {
    if (!(INJECTABLE as readonly string[]).includes(t)) {
      throw new UsageError(`Flag --inject names "${t}": each must be one of ${INJECTABLE.join(", ")}`);
    }
    return t as Injectable;
  });
  const cfg: ReplayConfig = {
    server: flags.get("server"),
    token: flags.get("token") ?? env.HONEYWATCH_TOKEN,
    sensor: flags.get("sensor") ?? "replay",
    rate: num("rate", flags.get("rate") ?? "50", 0),
    inject,
    labelsOut: flags.get("labels-out"),
    keepTime: bools.has("keep-time"),
    seed: Math.floor(num("seed", flags.get("seed") ?? "1", 0)),
    out: flags.get("out"),
    stateDir: flags.get("state-dir"),
    spoolMaxBytes: flags.has("spool-max-bytes")
      ? parseBytes("spool-max-bytes", flags.get("spool-max-bytes")!)
      : 256 * 1024 ** 2,
    files,
    logLevel,
    help: bools.has("help"),
  };
  if (cfg.help) return cfg;
  if (bools.has("generate")) {
    if (files.length > 0) throw new UsageError("Give either FILEs or --generate, not both");
    cfg.generate = flags.has("count")
      ? { count: Math.floor(num("count", flags.get("count")!, 0)) }
      : { durationMs: parseDuration("duration", flags.get("duration") ?? "10m") };
    if (flags.has("gen-rate")) cfg.generate.rate = num("gen-rate", flags.get("gen-rate")!, 0.001);
  } else {
    if (files.length === 0) {
      throw new UsageError("No FILE given: name a Cowrie log to replay, or use --generate");
    }
    if (flags.has("duration") || flags.has("count")) {
      throw new UsageError("--duration and --count go with --generate");
    }
  }
  if (!cfg.out && !cfg.server) throw new UsageError("Give --server URL (send) or --out FILE (write)");
  if (cfg.out && cfg.server) throw new UsageError("Give --server or --out, not both");
  if (cfg.server) {
    if (!/^wss?:\/\//.test(cfg.server)) {
      throw new UsageError(`Flag --server is "${cfg.server}": must be ws:// or wss://`);
    }
    if (!cfg.token) throw new UsageError("Flag --token is required with --server (or set HONEYWATCH_TOKEN)");
    const s = SensorName.safeParse(cfg.sensor);
    if (!s.success) throw new UsageError(`Flag --sensor is "${cfg.sensor}": ${s.error.issues[0].message}`);
  }
  return cfg;
}

/** Writes the replay as JSON lines. Returns the number of records. */
async function writeOut(path: string, records: AsyncGenerator<ReplayRecord>): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let n = 0;
  let buf: string[] = [];
  const flush = async () => {
    const bytes = enc.encode(buf.join(""));
    buf = [];
    let off = 0;
    while (off < bytes.length) off += await file.write(bytes.subarray(off));
  };
  try {
    for await (const r of records) {
      buf.push(typeof r === "string" ? r + "\n" : JSON.stringify(r) + "\n");
      n++;
      if (buf.length >= 4096) await flush();
    }
    await flush();
  } finally {
    file.close();
  }
  return n;
}

/** Sends through spool + uplink, paced at `rate` events/s (0: unpaced). Returns the number sent. */
async function send(cfg: ReplayConfig, records: AsyncGenerator<ReplayRecord>): Promise<number> {
  const tmp = cfg.stateDir ? null : await Deno.makeTempDir({ prefix: "honeywatch-replay-" });
  const dir = cfg.stateDir ?? tmp!;
  const spool = await Spool.open({
    dir: `${dir}/spool`,
    maxBytes: cfg.spoolMaxBytes,
    policy: "block",
    ackedSeq: 0,
    lastSeq: 0,
  });
  let acked: () => void = () => {};
  let fatal: Error | null = null;
  const uplink = new Uplink({
    url: cfg.server!,
    token: cfg.token!,
    sensor: cfg.sensor,
    spool,
    maxInFlight: 8,
    freshSeqs: true,
    stats: () => ({ lagBytes: 0, spoolBytes: spool.bytes, dropped: 0 }),
    onAck: () => {
      spool.compact().catch(() => {});
      acked();
    },
    onFatal: (e) => {
      fatal = e;
      acked();
    },
  });
  uplink.start();
  const batchSize = cfg.rate > 0 ? Math.min(100, Math.max(1, Math.ceil(cfg.rate / 10))) : MAX_BATCH_EVENTS;
  let n = 0;
  try {
    let batch: ReplayRecord[] = [];
    const started = Date.now();
    for await (const r of records) {
      if (fatal) break;
      batch.push(r);
      n++;
      if (cfg.rate > 0) {
        // Pacing: event n is due at started + n / rate.
        const wait = started + (n / cfg.rate) * 1000 - Date.now();
        if (batch.length >= batchSize || wait > 100) {
          await spool.append("cowrie", batch, {});
          uplink.notify();
          batch = [];
          if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        }
      } else if (batch.length >= batchSize) {
        await spool.append("cowrie", batch, {});
        uplink.notify();
        batch = [];
      }
    }
    if (batch.length > 0 && !fatal) {
      await spool.append("cowrie", batch, {});
      uplink.notify();
    }
    while (!spool.drained && !fatal) await new Promise<void>((res) => (acked = res));
    if (fatal) throw fatal;
    // A last heartbeat with the spool empty, so /api/sensors does not keep a mid-run figure.
    await spool.compact();
    uplink.heartbeat();
  } finally {
    await uplink.closeAndFlush();
    await spool.close();
    if (tmp) await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return n;
}

export async function main(args: string[]): Promise<number> {
  let cfg: ReplayConfig;
  try {
    cfg = parseReplayArgs(args, Deno.env.toObject());
  } catch (e) {
    if (e instanceof UsageError) {
      log.error(e.message);
      return 2;
    }
    throw e;
  }
  if (cfg.help) {
    announce(REPLAY_USAGE);
    return 0;
  }
  setLogLevel(cfg.logLevel);
  const now = Date.now();
  const genRate = cfg.generate?.rate ?? (cfg.rate > 0 ? cfg.rate : 50);
  let plan;
  try {
    plan = await planReplay({
      files: cfg.files,
      generate: cfg.generate
        ? {
          count: cfg.generate.count ?? Math.round(((cfg.generate.durationMs ?? 600_000) / 1000) * genRate),
          rate: genRate,
          start: now,
        }
        : undefined,
      keepTime: cfg.keepTime,
      now,
      inject: cfg.inject,
      seed: cfg.seed,
      sensor: cfg.generate ? cfg.sensor : undefined,
    });
  } catch (e) {
    log.error((e as Error).message);
    return 1;
  }
  if (cfg.labelsOut) await Deno.writeTextFile(cfg.labelsOut, JSON.stringify(plan.labels, null, 2) + "\n");
  const t0 = performance.now();
  let events: number;
  try {
    events = cfg.out ? await writeOut(cfg.out, plan.records()) : await send(cfg, plan.records());
  } catch (e) {
    log.error(`Replay failed: ${(e as Error).message}`);
    return 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  announce(JSON.stringify({
    events,
    injected: plan.injectedCount,
    labels: plan.labels.length,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSecond: Math.round(events / Math.max(seconds, 1e-3)),
  }));
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
