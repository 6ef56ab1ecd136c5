/**
 * Soak: a real server and a real collector for `minutes` at a steady `rate` of Cowrie lines
 * (background traffic, and a fresh IP failing 5 logins every second, so anomalies flow too).
 * Every 10 s it samples the server's resident memory and heap (`/metrics`), the collector's
 * lag (`lagBytes` from `GET /api/sensors`, and lines written minus events the server counted)
 * and, where /proc exists, the collector's resident memory.
 *
 * Reports the first, last and largest RSS, the RSS slope per 10 minutes from a least-squares
 * fit over the second half (the first half is warm-up: actors, caches and the heap grow into
 * their steady size), the largest lag, and whether lag grew (its fitted slope over the second
 * half is over 1% of the write rate: the pipeline is falling behind).
 *
 *   deno task bench -- --soak [--soak-minutes 30] [--soak-rate 2000] [--out FILE]
 */
import { metric, startCollectorProc, startServerProc } from "./_procs.ts";
import { failedLine, scannerLine } from "./_workload.ts";

const TOKEN = "bench-token-0123456789";
const SENSOR = "bench-soak";
const enc = new TextEncoder();

export interface SoakSample {
  /** Seconds since writing started. */
  t_s: number;
  rss_bytes: number;
  heap_bytes: number;
  collector_rss_bytes: number | null;
  written: number;
  counted: number;
  /** Lines written and not yet counted by the server. */
  lag_events: number;
  /** Bytes of log the collector has not read yet (its last heartbeat). */
  lag_bytes: number;
  spool_bytes: number;
}

export interface SoakResult {
  minutes: number;
  rate: number;
  written: number;
  counted: number;
  /** Seconds after writing stopped until every line was counted (null: not within 60 s). */
  drain_s: number | null;
  anomalies_published: number;
  rss_first_mb: number;
  rss_last_mb: number;
  rss_max_mb: number;
  rss_slope_mb_per_10min: number;
  max_lag_events: number;
  max_lag_bytes: number;
  max_spool_bytes: number;
  lag_slope_events_per_s: number;
  lag_grew: boolean;
  samples: SoakSample[];
}

/** Least-squares slope of y over x (0 with fewer than two points). */
export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Resident set of a process from /proc (Linux), null elsewhere. */
async function procRss(pid: number): Promise<number | null> {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(await Deno.readTextFile(`/proc/${pid}/status`));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function sensorRow(
  url: string,
): Promise<{ events: number; lagBytes: number; spoolBytes: number } | null> {
  const body = await (await fetch(`${url}/api/sensors`)).json() as {
    items: { sensor: string; connected: boolean; events: number; lagBytes: number; spoolBytes: number }[];
  };
  return body.items.find((s) => s.sensor === SENSOR) ?? null;
}

const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

/** Run the soak; `log` is told of each sample. */
export async function benchSoak(o: {
  minutes: number;
  rate: number;
  dir: string;
  sampleMs?: number;
  log?: (s: string) => void;
}): Promise<SoakResult> {
  const sampleMs = o.sampleMs ?? 10_000;
  const file = `${o.dir}/soak-cowrie.json`;
  await Deno.writeTextFile(file, "");
  const server = await startServerProc(`${o.dir}/soak.kv`, TOKEN);
  const col = startCollectorProc(server.wsUrl, TOKEN, SENSOR, `${o.dir}/soak-state`, [file], [
    "--source",
    "cowrie",
    "--poll-ms",
    "100",
    "--batch-ms",
    "100",
    "--heartbeat-ms",
    "2000",
  ]);
  const samples: SoakSample[] = [];
  let written = 0;
  const sample = async (t: number, w: number) => {
    const row = await sensorRow(server.url);
    const s: SoakSample = {
      t_s: Math.round(t),
      rss_bytes: await metric(server.url, "honeywatch_process_resident_memory_bytes"),
      heap_bytes: await metric(server.url, "honeywatch_process_heap_used_bytes"),
      collector_rss_bytes: await procRss(col.child.pid),
      written: w,
      counted: row?.events ?? 0,
      lag_events: w - (row?.events ?? 0),
      lag_bytes: row?.lagBytes ?? 0,
      spool_bytes: row?.spoolBytes ?? 0,
    };
    samples.push(s);
    o.log?.(
      `soak ${s.t_s}s: rss ${mb(s.rss_bytes)} MB, heap ${mb(s.heap_bytes)} MB, ` +
        `lag ${s.lag_events} events / ${s.lag_bytes} B unread / ${s.spool_bytes} B spooled`,
    );
  };
  try {
    // Start the clock once the collector is connected.
    for (let i = 0; (await sensorRow(server.url)) === null; i++) {
      if (i > 600) throw new Error("the collector did not connect within 60 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const fh = await Deno.open(file, { append: true });
    const t0 = performance.now();
    const end = t0 + o.minutes * 60_000;
    let markers = 0;
    let sampling: Promise<void> = Promise.resolve();
    let nextSample = t0 + sampleMs;
    let nextMarker = t0 + 1000;
    try {
      while (performance.now() < end) {
        const now = Date.now();
        // Lines due by now at the steady rate; a slow tick catches up on the next.
        const due = Math.floor(((performance.now() - t0) / 1000) * o.rate);
        let chunk = "";
        for (; written < due; written++) chunk += scannerLine(written, now, "soak") + "\n";
        if (performance.now() >= nextMarker) {
          const m = markers++;
          const ip = `198.18.${(m >> 8) & 255}.${m & 255}`;
          for (let j = 0; j < 5; j++) chunk += failedLine(ip, now + j, m * 5 + j, "soak") + "\n";
          written += 5;
          nextMarker += 1000;
        }
        const bytes = enc.encode(chunk);
        for (let at = 0; at < bytes.length;) at += await fh.write(bytes.subarray(at));
        if (performance.now() >= nextSample) {
          nextSample += sampleMs;
          // Sampled off the write loop, so a slow answer does not hold the writer back.
          const t = (performance.now() - t0) / 1000;
          const w = written;
          sampling = sampling.then(() => sample(t, w));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      fh.close();
    }
    // And once more as writing stops.
    await sampling.then(() => sample((performance.now() - t0) / 1000, written));
    // Drain: until every line is counted (bounded).
    const stopped = performance.now();
    let drain: number | null = null;
    for (let i = 0; i < 600; i++) {
      if (((await sensorRow(server.url))?.events ?? 0) >= written) {
        drain = Math.round((performance.now() - stopped) / 100) / 10;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const counted = (await sensorRow(server.url))?.events ?? 0;
    const published = await metric(server.url, "honeywatch_hub_published_total");

    if (samples.length === 0) throw new Error("the soak ended before its first sample");
    const second = samples.slice(Math.floor(samples.length / 2));
    const rssSlope = slope(second.map((s) => [s.t_s, s.rss_bytes])) * 600;
    const lagSlope = slope(second.map((s) => [s.t_s, s.lag_events]));
    return {
      minutes: o.minutes,
      rate: o.rate,
      written,
      counted,
      drain_s: drain,
      anomalies_published: published,
      rss_first_mb: mb(samples[0].rss_bytes),
      rss_last_mb: mb(samples.at(-1)!.rss_bytes),
      rss_max_mb: mb(Math.max(...samples.map((s) => s.rss_bytes))),
      rss_slope_mb_per_10min: mb(rssSlope),
      max_lag_events: Math.max(...samples.map((s) => s.lag_events)),
      max_lag_bytes: Math.max(...samples.map((s) => s.lag_bytes)),
      max_spool_bytes: Math.max(...samples.map((s) => s.spool_bytes)),
      lag_slope_events_per_s: Math.round(lagSlope * 10) / 10,
      lag_grew: lagSlope > 0.01 * o.rate,
      samples,
    };
  } finally {
    await col.stop();
    await server.stop();
  }
}
