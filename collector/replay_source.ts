/**
 * The record stream of a replay: a recorded Cowrie log (time-shifted so its first event is
 * `now`, or kept) or a generated one, merged in time order with injected, labelled attacks.
 */
import { parseCowrieTimestamp } from "./_cowrie.ts";
import { Rng } from "./_rng.ts";
import { cowrieTimestamp, generateCowrie, SCHEDULED_ATTACKS, sensorInfo } from "./generate.ts";
import { type Injectable, injectAttack, type Injection, type Label } from "./inject.ts";

/** A record to send: a parsed Cowrie object, or a line that is not one (sent as is). */
export type ReplayRecord = Record<string, unknown> | string;

export interface ReplayPlan {
  /** Records in time order, injected ones included. */
  records: () => AsyncGenerator<ReplayRecord>;
  labels: Label[];
  /** Base records (without injections); -1 if unknown before the end. */
  baseCount: number;
  injectedCount: number;
}

export interface ReplayOptions {
  /** Recorded logs, replayed in the order given; empty with `generate`. */
  files: string[];
  generate?: { count: number; rate: number; start: number };
  keepTime: boolean;
  now: number;
  inject: Injectable[];
  seed: number;
  sensor?: string;
}

/** Lines of a file, without their newline (a last line without one included). */
export async function* readLines(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  let rest = "";
  try {
    const buf = new Uint8Array(256 * 1024);
    while (true) {
      const n = await file.read(buf);
      if (n === null) break;
      rest += decoder.decode(buf.subarray(0, n), { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const p of parts) yield p.endsWith("\r") ? p.slice(0, -1) : p;
    }
    rest += decoder.decode();
    if (rest.length > 0) yield rest;
  } finally {
    file.close();
  }
}

function recordTime(line: string): { rec: ReplayRecord; ts: number } {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return { rec: line, ts: NaN };
  }
  if (!rec || typeof rec !== "object" || Array.isArray(rec)) return { rec: line, ts: NaN };
  const r = rec as Record<string, unknown>;
  const ts = typeof r.timestamp === "string" ? parseCowrieTimestamp(r.timestamp) : NaN;
  return { rec: r, ts };
}

/** First and last event time and every src_ip of the files (one streaming pass). */
async function scan(files: string[]) {
  let first = NaN, last = NaN, count = 0;
  const ips = new Set<string>();
  // What the injected records copy, so that they look like this honeypot's own lines.
  const sensor: { sensor?: string; uuid?: string; dstIp?: string; dstPort?: number } = {};
  for (const f of files) {
    for await (const line of readLines(f)) {
      if (line.trim() === "") continue;
      count++;
      const { rec, ts } = recordTime(line);
      if (typeof rec === "object") {
        if (typeof rec.src_ip === "string") ips.add(rec.src_ip);
        if (typeof rec.sensor === "string") sensor.sensor ??= rec.sensor;
        if (typeof rec.uuid === "string") sensor.uuid ??= rec.uuid;
        if (
          rec.eventid === "cowrie.session.connect" && typeof rec.dst_ip === "string" &&
          sensor.dstIp === undefined
        ) {
          sensor.dstIp = rec.dst_ip;
          if (typeof rec.dst_port === "number") sensor.dstPort = rec.dst_port;
        }
      }
      if (Number.isFinite(ts)) {
        if (Number.isNaN(first)) first = ts;
        last = Math.max(Number.isNaN(last) ? ts : last, ts);
      }
    }
  }
  return { first, last, ips, count, sensor };
}

/** Plans a replay: where the base comes from, when each attack goes in, and the labels. */
export async function planReplay(o: ReplayOptions): Promise<ReplayPlan> {
  const rng = new Rng(o.seed);
  let info = sensorInfo(rng.fork(), { sensor: o.sensor });
  const injRng = rng.fork();
  let base: () => AsyncGenerator<{ rec: ReplayRecord; ts: number }>;
  let span: [number, number];
  let baseCount: number;
  const avoid = new Set<string>();

  if (o.generate) {
    const g = o.generate;
    // Background only: the injections are the only attacks, so the labels are the whole truth.
    const scenarios = Object.fromEntries(SCHEDULED_ATTACKS.map((a) => [a, false as const]));
    span = [g.start, g.start + (g.count / g.rate) * 1000];
    baseCount = g.count;
    base = async function* () {
      let i = 0;
      if (g.count <= 0) return;
      for (
        const { record } of generateCowrie({
          seed: o.seed,
          start: g.start,
          rate: g.rate,
          scenarios,
          sensor: o.sensor,
        })
      ) {
        yield { rec: record, ts: parseCowrieTimestamp(String(record.timestamp)) };
        if (++i >= g.count) break;
      }
    };
  } else {
    const s = await scan(o.files);
    if (Number.isNaN(s.first)) {
      throw new Error(`Cannot replay: no line of ${o.files.join(", ")} has a Cowrie timestamp`);
    }
    for (const ip of s.ips) avoid.add(ip);
    info = { ...info, ...s.sensor };
    const shift = o.keepTime ? 0 : o.now - s.first;
    span = [s.first + shift, s.last + shift];
    baseCount = s.count;
    base = async function* () {
      let prev = span[0];
      for (const f of o.files) {
        for await (const line of readLines(f)) {
          if (line.trim() === "") continue;
          const { rec, ts } = recordTime(line);
          if (typeof rec === "string" || !Number.isFinite(ts)) {
            yield { rec, ts: prev };
            continue;
          }
          prev = ts + shift;
          if (shift !== 0) rec.timestamp = cowrieTimestamp(prev);
          yield { rec, ts: prev };
        }
      }
    };
  }

  // Spread the attacks evenly over the base's time span.
  const baseRate = span[1] > span[0] ? baseCount / ((span[1] - span[0]) / 1000) : 20;
  const injections: Injection[] = o.inject.map((type, k) => {
    const at = span[0] + ((span[1] - span[0]) * (k + 1)) / (o.inject.length + 1);
    return injectAttack(type, injRng, info, at, avoid, baseRate);
  });
  const injected = injections.flatMap((i) => i.records).sort((a, b) => a.ts - b.ts);

  return {
    labels: injections.map((i) => i.label),
    baseCount,
    injectedCount: injected.length,
    records: async function* () {
      let k = 0;
      for await (const { rec, ts } of base()) {
        while (k < injected.length && injected[k].ts <= ts) yield injected[k++].record;
        yield rec;
      }
      while (k < injected.length) yield injected[k++].record;
    },
  };
}
