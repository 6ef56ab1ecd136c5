/**
 * The collector: tail -> records -> batches -> spool -> uplink, and the checkpoint after acks.
 *
 * Invariants that make "no line lost or repeated" hold across kill -9 of either side:
 * - a batch is in the spool (with its seq and the file positions after it) before it is sent;
 * - on restart, reading resumes after the newest spooled batch, or at the checkpoint if the
 *   spool is empty; unacknowledged batches are resent under their seqs;
 * - the checkpoint is written only with the positions of an acknowledged batch, and spool
 *   segments are deleted only after that checkpoint is on disk.
 */
import { log } from "../lib/log.ts";
import { createParser, type RecordParser } from "../lib/parsers/mod.ts";
import type { Source } from "../lib/schema.ts";
import { type Checkpoint, type FilePosition, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { Spool, type SpoolPolicy } from "./spool.ts";
import { Tailer, type TailLine } from "./tail.ts";
import { TtylogShipper } from "./ttylog_ship.ts";
import { Uplink } from "./uplink.ts";

export interface CollectorConfig {
  server: string;
  token: string;
  sensor: string;
  role?: "honeypot" | "production";
  /** Cowrie's TTY log directory: ship each finished session's log (collector/ttylog_ship.ts). */
  ttylogDir?: string;
  files: readonly { path: string; source: Source }[];
  stateDir: string;
  fromStart: boolean;
  once: boolean;
  spoolMaxBytes: number;
  spoolPolicy: SpoolPolicy;
  /** Events per batch (at most MAX_BATCH_EVENTS). */
  batchEvents: number;
  /** A partial batch is sent after this long. */
  batchMs: number;
  maxInFlight: number;
  heartbeatMs: number;
  pollMs: number;
  backoffMs: { initial: number; max: number };
}

/** Batches are also cut at this size, well under the server's frame limit. */
const BATCH_BYTES = 512 * 1024;
/** Minimum interval between checkpoint writes. */
const CHECKPOINT_MS = 200;

interface Pending {
  events: unknown[];
  bytes: number;
  since: number;
  /** The last line taken per path. */
  last: Map<string, TailLine>;
}

/** Runs until `signal` aborts (or, with `once`, until every file's end is acknowledged). Returns an exit code. */
export async function runCollector(cfg: CollectorConfig, signal?: AbortSignal): Promise<number> {
  await Deno.mkdir(cfg.stateDir, { recursive: true });
  const lock = await Deno.open(`${cfg.stateDir}/lock`, { read: true, write: true, create: true });
  if (!(await lock.tryLock(true))) {
    lock.close();
    log.error(`Cannot start: another collector uses the state dir "${cfg.stateDir}"`);
    return 1;
  }
  const cp: Checkpoint = await loadCheckpoint(cfg.stateDir);
  const droppedBefore = cp.dropped;
  const spool = await Spool.open({
    dir: `${cfg.stateDir}/spool`,
    maxBytes: cfg.spoolMaxBytes,
    policy: cfg.spoolPolicy,
    ackedSeq: cp.ackedSeq,
    lastSeq: cp.lastSeq,
  });
  const resume = (await spool.lastPositions()) ?? cp.files;
  const sourceOf = new Map(cfg.files.map((f) => [f.path, f.source]));
  const tailer = new Tailer({
    paths: cfg.files.map((f) => f.path),
    positions: resume,
    fromStart: cfg.fromStart,
    once: cfg.once,
    pollMs: cfg.pollMs,
  });
  await tailer.open();

  // Where each file stands as of the newest batch cut (what the next batch records).
  const cut: Record<string, FilePosition> = { ...resume };
  const pending = new Map<Source, Pending>();
  const parsers = new Map<Source, RecordParser>();
  const rejected: Record<string, number> = {};
  let appendChain: Promise<void> = Promise.resolve();
  let fatal: Error | null = null;

  // Checkpoint after acks, at most every CHECKPOINT_MS; spool segments go only after it is on disk.
  let cpTimer: ReturnType<typeof setTimeout> | undefined;
  let cpChain: Promise<void> = Promise.resolve();
  let ackWaiters: (() => void)[] = [];
  const writeCheckpoint = (): Promise<void> => {
    cpChain = cpChain.then(async () => {
      const acked = spool.ackedSeq;
      // The positions of the newest acknowledged batch (before compact() deletes it).
      const positions = await spool.positionsAt(acked);
      if (positions) cp.files = positions;
      cp.ackedSeq = acked;
      cp.lastSeq = spool.lastSeq;
      cp.dropped = droppedBefore + spool.dropped;
      await saveCheckpoint(cfg.stateDir, cp);
      await spool.compact();
    }).catch((e) => log.error("collector: cannot write the checkpoint", { error: String(e) }));
    return cpChain;
  };
  const onAck = () => {
    const w = ackWaiters;
    ackWaiters = [];
    for (const f of w) f();
    if (spool.waiting > 0) {
      // Reading is blocked on a full spool: free the acknowledged segments now.
      clearTimeout(cpTimer);
      cpTimer = undefined;
      writeCheckpoint();
      return;
    }
    cpTimer ??= setTimeout(() => {
      cpTimer = undefined;
      writeCheckpoint();
    }, CHECKPOINT_MS);
  };

  const ttylogs = cfg.ttylogDir === undefined ? null : new TtylogShipper({
    server: cfg.server,
    token: cfg.token,
    sensor: cfg.sensor,
    dir: cfg.ttylogDir,
    stateDir: cfg.stateDir,
    backoffMs: cfg.backoffMs,
  });
  await ttylogs?.open();

  const uplink: Uplink = new Uplink({
    url: cfg.server,
    token: cfg.token,
    sensor: cfg.sensor,
    role: cfg.role,
    spool,
    maxInFlight: cfg.maxInFlight,
    heartbeatMs: cfg.heartbeatMs,
    backoffMs: cfg.backoffMs,
    stats: () => ({
      lagBytes: tailer.lagBytes(),
      spoolBytes: spool.bytes,
      dropped: droppedBefore + spool.dropped,
      // Events of batches the server refused outright (never expected: batches are built to fit).
      rejected: uplink.rejectedEvents > 0
        ? { ...rejected, batch_refused: uplink.rejectedEvents }
        : { ...rejected },
    }),
    onAck,
    onFatal: (e) => {
      fatal = e;
      stop();
    },
  });

  let stopping = false;
  const stopWaiters: (() => void)[] = [];
  const stop = () => {
    if (stopping) return;
    stopping = true;
    tailer.close();
    // A `block`ed append gives up; the lines it held are read again next time.
    spool.interrupt();
    for (const w of stopWaiters) w();
    for (const w of ackWaiters) w();
  };
  signal?.addEventListener("abort", stop, { once: true });

  const cutBatch = (source: Source) => {
    const p = pending.get(source);
    if (!p || p.events.length === 0) return;
    pending.delete(source);
    for (const [path, line] of p.last) cut[path] = line.position();
    const positions = { ...cut };
    appendChain = appendChain.then(async () => {
      await spool.append(source, p.events, positions);
      uplink.notify();
    });
  };
  const flushTimer = setInterval(() => {
    const now = Date.now();
    for (const [source, p] of pending) if (now - p.since >= cfg.batchMs) cutBatch(source);
  }, Math.max(10, Math.min(cfg.batchMs, 100)));
  const syncTimer = setInterval(() => spool.sync().catch(() => {}), 1000);

  const take = (line: TailLine) => {
    const source = sourceOf.get(line.path) ?? "cowrie";
    let parser = parsers.get(source);
    if (!parser) parsers.set(source, parser = createParser(source, { sensor: cfg.sensor }));
    let record: unknown = line.text;
    if (line.text.trim() === "") {
      // Nothing to send; the position still moves past it with the next batch of this file.
      rejected.empty = (rejected.empty ?? 0) + 1;
      const p = pending.get(source);
      if (p) p.last.set(line.path, line);
      return;
    }
    if (source === "cowrie") {
      try {
        record = JSON.parse(line.text);
      } catch {
        // Sent as the raw line: the server counts it by reason too.
      }
      if (ttylogs && line.text.includes("cowrie.log.closed")) ttylogs.offer(record);
    }
    const r = parser.parse(record);
    if (r.ok === false) rejected[r.reason] = (rejected[r.reason] ?? 0) + 1;
    let p = pending.get(source);
    if (!p) pending.set(source, p = { events: [], bytes: 0, since: Date.now(), last: new Map() });
    p.events.push(record);
    p.bytes += line.bytes;
    p.last.set(line.path, line);
    if (p.events.length >= cfg.batchEvents || p.bytes >= BATCH_BYTES) cutBatch(source);
  };

  uplink.start();
  log.info("collector: started", {
    sensor: cfg.sensor,
    server: cfg.server,
    files: cfg.files.map((f) => `${f.path} (${f.source})`),
    resumeSeq: spool.ackedSeq,
    spooled: spool.lastSeq - spool.ackedSeq,
  });

  try {
    while (!stopping) {
      const lines = await tailer.read();
      if (!lines) break;
      for (const l of lines) take(l);
      // Backpressure: with the `block` policy a full spool stops reading here.
      try {
        await appendChain;
      } catch (e) {
        if (!stopping) throw e;
      }
    }
    for (const source of [...pending.keys()]) cutBatch(source);
    try {
      await appendChain;
    } catch (e) {
      if (!stopping) throw e;
    }
    if (cfg.once && !stopping) {
      // Done reading: wait until the server has acknowledged everything.
      while (!spool.drained && !stopping) {
        await new Promise<void>((resolve) => {
          ackWaiters.push(resolve);
          stopWaiters.push(resolve);
        });
      }
      if (ttylogs && !stopping) {
        await Promise.race([ttylogs.idle(), new Promise<void>((resolve) => stopWaiters.push(resolve))]);
      }
      if (!fatal) {
        log.info("collector: every file acknowledged up to its end", { seq: spool.ackedSeq });
        // A last heartbeat with the spool compacted, so /api/sensors does not keep a mid-run
        // spool size for a sensor that has gone away with everything delivered.
        await writeCheckpoint();
        uplink.heartbeat();
      }
    }
  } finally {
    clearInterval(flushTimer);
    clearInterval(syncTimer);
    clearTimeout(cpTimer);
    await uplink.closeAndFlush();
    if (ttylogs) {
      await ttylogs.close();
      log.info("collector: TTY logs", { ...ttylogs.stats });
    }
    tailer.close();
    await writeCheckpoint();
    await spool.close();
    lock.close();
  }
  if (fatal) {
    log.error((fatal as Error).message);
    return 2;
  }
  return 0;
}
