/**
 * Command line of the collector, parsed once into a frozen CollectorConfig.
 */
import { type Level } from "../lib/log.ts";
import { MAX_BATCH_EVENTS, SensorName, type Source, SOURCES } from "../lib/schema.ts";
import type { CollectorConfig } from "./collector.ts";
import { SPOOL_POLICIES, type SpoolPolicy } from "./spool.ts";

export const USAGE = `honeywatch collector: follows log files and streams them to a honeywatch server.

Usage:
  deno run -A collector/main.ts --server ws://HOST:8000/ingest --token T --sensor vm1 [options] FILE...

Required:
  --server URL            the server's ingest WebSocket (ws:// or wss://, path /ingest)
  --token T               the ingest token (or set HONEYWATCH_TOKEN)
  --sensor NAME           this honeypot's name (letters, digits, '.', '_', ':', '-')

Options:
  --source SOURCE         cowrie | sshd | firewall | zeek, for every FILE; by default from each
                          file name: cowrie*.json -> cowrie, auth.log/secure -> sshd,
                          kern.log/ufw.log/*firewall* -> firewall, conn.log -> zeek
  --state-dir DIR         checkpoint and spool (default .state/collector-SENSOR)
  --from-start            read files without a checkpoint from their start (default: their end)
  --once                  exit 0 once every file's current end is acknowledged by the server
  --spool-max-bytes N     bound of the disk spool, e.g. 500000, 64M, 1G (default 256M)
  --spool-policy P        when the spool is full: block (stop reading; default) or
                          drop-oldest (lose the oldest batches, counted as "dropped")
  --role ROLE             honeypot (default) or production
  --ttylog-dir DIR        Cowrie's TTY log directory (var/lib/cowrie/tty): ship the log of
                          every finished session, for replay on the attacker page
  --batch-size N          events per batch, 1-${MAX_BATCH_EVENTS} (default 100)
  --batch-ms N            send a partial batch after N ms (default 100)
  --max-in-flight N       unacknowledged batches on the wire (default 8)
  --heartbeat-ms N        heartbeat interval (default 5000)
  --poll-ms N             file polling interval (default 250)
  --backoff-max-ms N      longest wait between reconnects (default 30000)
  --log-level L           debug | info | warn | error (default info)
  -h, --help              this text
`;

export class UsageError extends Error {}

export interface CollectorCli {
  help: boolean;
  logLevel: Level;
  config: Readonly<CollectorConfig>;
}

const BOOLEAN = new Set(["from-start", "once", "help"]);
const VALUED = new Set([
  "server",
  "token",
  "sensor",
  "source",
  "state-dir",
  "spool-max-bytes",
  "spool-policy",
  "role",
  "ttylog-dir",
  "batch-size",
  "batch-ms",
  "max-in-flight",
  "heartbeat-ms",
  "poll-ms",
  "backoff-max-ms",
  "log-level",
]);

/** The source a file name implies, or null. */
export function sourceFromName(path: string): Source | null {
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  if (/^cowrie.*\.json/.test(name)) return "cowrie";
  if (/^(auth\.log|secure)/.test(name)) return "sshd";
  if (/^(kern\.log|ufw\.log)/.test(name) || name.includes("firewall")) return "firewall";
  if (/^conn\.log/.test(name)) return "zeek";
  return null;
}

/** `64M` -> 67108864. */
export function parseBytes(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`Flag --${flag} is "${v}": expected a byte count such as 500000, 64M or 1G`);
  const unit = (m[2] ?? "").toLowerCase()[0];
  const mult = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  const n = Math.floor(Number(m[1]) * mult);
  if (n < 4096) throw new UsageError(`Flag --${flag} is "${v}": must be at least 4096 bytes`);
  return n;
}

function int(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) {
    throw new UsageError(`Flag --${flag} is "${v}": must be an integer from ${min} to ${max}`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`Flag --${flag} is "${v}": must be one of ${allowed.join(", ")}`);
  }
  return v as T;
}

/**
 * Splits `args` into flag values and positional files; `--flag=value` and `--flag value` both work.
 * A leading `--` is dropped: `deno task collector -- --server ...` passes it through.
 */
export function splitArgs(args: readonly string[], valued: Set<string>, boolean: Set<string>) {
  const flags = new Map<string, string>();
  const bools = new Set<string>();
  const files: string[] = [];
  for (let i = args[0] === "--" ? 1 : 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      files.push(...args.slice(i + 1));
      break;
    }
    if (a === "-h") {
      bools.add("help");
      continue;
    }
    if (!a.startsWith("--")) {
      if (a.startsWith("-") && a.length > 1) throw new UsageError(`Unknown flag "${a}" (see --help)`);
      files.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (boolean.has(name)) {
      if (eq >= 0) throw new UsageError(`Flag --${name} takes no value`);
      bools.add(name);
    } else if (valued.has(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || (eq < 0 && v.startsWith("--"))) {
        throw new UsageError(`Flag --${name} needs a value`);
      }
      if (flags.has(name)) throw new UsageError(`Flag --${name} is given twice`);
      flags.set(name, v);
    } else {
      throw new UsageError(`Unknown flag "--${name}" (see --help)`);
    }
  }
  return { flags, bools, files };
}

/** Parses the collector's command line; throws UsageError with a message for a person. */
export function parseCollectorArgs(
  args: readonly string[],
  env: Record<string, string | undefined>,
): CollectorCli {
  const { flags, bools, files } = splitArgs(args, VALUED, BOOLEAN);
  const logLevel = oneOf(
    "log-level",
    flags.get("log-level") ?? "info",
    ["debug", "info", "warn", "error"] as const,
  );
  if (bools.has("help")) return { help: true, logLevel, config: Object.freeze({} as CollectorConfig) };

  const server = flags.get("server");
  if (!server) throw new UsageError("Flag --server is required, e.g. --server ws://127.0.0.1:8000/ingest");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`Flag --server is "${server}": not a URL (expected ws://HOST:PORT/ingest)`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new UsageError(`Flag --server is "${server}": the scheme must be ws:// or wss://`);
  }
  const token = flags.get("token") ?? env.HONEYWATCH_TOKEN;
  if (!token) throw new UsageError("Flag --token is required (or set HONEYWATCH_TOKEN)");
  const sensorArg = flags.get("sensor");
  if (!sensorArg) throw new UsageError("Flag --sensor is required, e.g. --sensor vm1");
  const sensor = SensorName.safeParse(sensorArg);
  if (!sensor.success) {
    throw new UsageError(`Flag --sensor is "${sensorArg}": ${sensor.error.issues[0].message}`);
  }

  if (files.length === 0) throw new UsageError("No FILE given: name at least one log file to follow");
  const forced = flags.has("source") ? oneOf("source", flags.get("source")!, SOURCES) : null;
  const seen = new Set<string>();
  const fileList = files.map((path) => {
    if (seen.has(path)) throw new UsageError(`File "${path}" is given twice`);
    seen.add(path);
    const source = forced ?? sourceFromName(path);
    if (!source) {
      throw new UsageError(
        `Cannot tell the source of "${path}" from its name; give --source (one of ${SOURCES.join(", ")})`,
      );
    }
    return { path, source };
  });

  const role = flags.has("role")
    ? oneOf("role", flags.get("role")!, ["honeypot", "production"] as const)
    : undefined;
  const ttylogDir = flags.get("ttylog-dir");
  if (ttylogDir !== undefined) {
    let st: Deno.FileInfo | null = null;
    try {
      st = Deno.statSync(ttylogDir);
    } catch {
      // reported below
    }
    if (!st?.isDirectory) {
      throw new UsageError(
        `Flag --ttylog-dir is "${ttylogDir}": not a directory (Cowrie's var/lib/cowrie/tty)`,
      );
    }
    if (!fileList.some((f) => f.source === "cowrie")) {
      throw new UsageError(
        "Flag --ttylog-dir needs a Cowrie JSON log among the FILEs (its log.closed events name the logs)",
      );
    }
  }
  const config: CollectorConfig = {
    server,
    token,
    sensor: sensor.data,
    role,
    ...(ttylogDir !== undefined ? { ttylogDir } : {}),
    files: fileList,
    stateDir: flags.get("state-dir") ?? `.state/collector-${sensor.data}`,
    fromStart: bools.has("from-start"),
    once: bools.has("once"),
    spoolMaxBytes: flags.has("spool-max-bytes")
      ? parseBytes("spool-max-bytes", flags.get("spool-max-bytes")!)
      : 256 * 1024 ** 2,
    spoolPolicy: oneOf<SpoolPolicy>("spool-policy", flags.get("spool-policy") ?? "block", SPOOL_POLICIES),
    batchEvents: int("batch-size", flags.get("batch-size") ?? "100", 1, MAX_BATCH_EVENTS),
    batchMs: int("batch-ms", flags.get("batch-ms") ?? "100", 1, 60_000),
    maxInFlight: int("max-in-flight", flags.get("max-in-flight") ?? "8", 1, 1000),
    heartbeatMs: int("heartbeat-ms", flags.get("heartbeat-ms") ?? "5000", 100, 3_600_000),
    pollMs: int("poll-ms", flags.get("poll-ms") ?? "250", 10, 60_000),
    backoffMs: {
      initial: 250,
      max: int("backoff-max-ms", flags.get("backoff-max-ms") ?? "30000", 250, 3_600_000),
    },
  };
  return { help: false, logLevel, config: Object.freeze(config) };
}
