/**
 * Benchmark 2: end to end. A real collector process tails a file and streams it over the
 * WebSocket uplink to a real server process, which stores every event durably in a KV file
 * and publishes anomalies on SSE.
 *
 * - Throughput: N lines written up front, `collector --from-start --once`; events/s from the
 *   collector's start until the server has counted all N (`GET /api/sensors`). Options: a pool
 *   of attackers whose failed logins raise and update brute-force anomalies all along, and
 *   live subscribers that never read (`stalled`), open for the whole run.
 * - Latency: lines appended at a fixed rate; every 200 ms a fresh IP fails 5 logins; latency is
 *   from appending the 5th failure to receiving its `brute_force` anomaly on `/api/stream`.
 */
import { cowrieLines, failedLine, quantile, scannerLine } from "./_workload.ts";
import { metric, stallSubscribers, startCollectorProc, startServerProc } from "./_procs.ts";

const TOKEN = "bench-token-0123456789";
const enc = new TextEncoder();

async function sensorEvents(url: string): Promise<number> {
  const r = await fetch(`${url}/api/sensors`);
  const j = await r.json() as { items: { events: number }[] };
  return j.items.reduce((s, x) => s + x.events, 0);
}

export interface ThroughputOptions {
  /** Live subscribers that never read (half SSE, half WebSocket), open for the whole run. */
  stalled?: number;
  /**
   * Failed logins come from this many sources and the lines span 10 minutes of event time, so
   * brute-force anomalies are raised and then updated all along (by default each source fails
   * about once and few anomalies are raised).
   */
  attackers?: number;
  /**
   * `"distinct"` (default): every line from another source IP (a pool of 65k), the worst case
   * for per-IP state. `"cowrie"`: the generator's realistic stream (sessions of several
   * events per IP, as bench 1 uses), ending now.
   */
  workload?: "distinct" | "cowrie";
}

export interface ThroughputResult {
  events: number;
  seconds: number;
  e2e_events_per_s: number;
  stalled: number;
  attackers: number | null;
  workload: "distinct" | "cowrie";
  /** Live messages published and dropped from full subscriber queues (`/metrics`). */
  hub_published: number;
  hub_dropped: number;
}

/** Throughput of collector -> server -> KV with `n` lines. */
export async function benchThroughput(
  n: number,
  workDir: string,
  opts: ThroughputOptions = {},
): Promise<ThroughputResult> {
  // A directory per run: the KV file and the collector's checkpoint must start empty.
  const dir = await Deno.makeTempDir({ dir: workDir, prefix: "tp-" });
  const file = `${dir}/tp-cowrie.json`;
  const { attackers } = opts;
  const start = attackers ? Date.now() - 600_000 : Date.now();
  const step = attackers ? 600_000 / n : 1;
  // The generator writes 2000 events a second of event time: start so the stream ends now.
  const lines: string[] = opts.workload === "cowrie" ? cowrieLines(n, 7, Date.now() - n / 2) : [];
  for (let i = 0; i < n && opts.workload !== "cowrie"; i++) {
    const ts = Math.round(start + i * step);
    const k = attackers ? i % attackers : i;
    lines.push(
      i % 50 < 45
        ? scannerLine(i, ts, "bench")
        : failedLine(`198.18.${(k >> 8) & 255}.${k & 255}`, ts, i, "bench"),
    );
  }
  await Deno.writeTextFile(file, lines.join("\n") + "\n");
  const server = await startServerProc(`${dir}/tp.kv`, TOKEN);
  const stalled = opts.stalled ? await stallSubscribers(server.url, opts.stalled) : null;
  try {
    const t0 = performance.now();
    const col = startCollectorProc(server.wsUrl, TOKEN, "bench-tp", `${dir}/tp-state`, [file], [
      "--from-start",
      "--once",
      "--source",
      "cowrie",
      "--batch-size",
      "400",
      "--max-in-flight",
      "16",
    ]);
    const status = await col.child.status;
    if (!status.success) throw new Error(`collector exited with ${status.code}`);
    let got = await sensorEvents(server.url);
    while (got < n) {
      await new Promise((r) => setTimeout(r, 50));
      got = await sensorEvents(server.url);
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      events: got,
      seconds: Math.round(seconds * 100) / 100,
      e2e_events_per_s: Math.round(n / seconds),
      stalled: opts.stalled ?? 0,
      attackers: attackers ?? null,
      workload: opts.workload ?? "distinct",
      hub_published: await metric(server.url, "honeywatch_hub_published_total"),
      hub_dropped: await metric(server.url, "honeywatch_hub_dropped_total"),
    };
  } finally {
    stalled?.close();
    await server.stop();
  }
}

export interface LatencyResult {
  rate: number;
  seconds: number;
  sent: number;
  markers: number;
  received: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Latency from appending a line to receiving its anomaly, at `rate` lines/s for `seconds`. */
export async function benchLatency(rate: number, seconds: number, dir: string): Promise<LatencyResult> {
  const file = `${dir}/lat-${rate}-cowrie.json`;
  await Deno.writeTextFile(file, "");
  const server = await startServerProc(`${dir}/lat-${rate}.kv`, TOKEN);
  const abort = new AbortController();
  const appended = new Map<string, number>();
  const latencies: number[] = [];
  try {
    const res = await fetch(`${server.url}/api/stream?type=brute_force`, { signal: abort.signal });
    const reading = (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split("\n").find((l) => l.startsWith("data: "));
          if (!data) continue;
          const a = JSON.parse(data.slice(6)) as { ip: string; updates: number };
          const t = appended.get(a.ip);
          if (t !== undefined && a.updates === 1) {
            latencies.push(performance.now() - t);
            appended.delete(a.ip);
          }
        }
      }
    })().catch(() => {});
    const col = startCollectorProc(server.wsUrl, TOKEN, `bench-lat-${rate}`, `${dir}/lat-${rate}-state`, [
      file,
    ], [
      "--source",
      "cowrie",
      "--poll-ms",
      "10",
      "--batch-ms",
      "10",
    ]);
    // Give the collector time to open the file and connect before the clock starts.
    await new Promise((r) => setTimeout(r, 1500));
    const fh = await Deno.open(file, { append: true });
    let sent = 0;
    let markers = 0;
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    const start = performance.now();
    let nextMarker = start;
    let k = 0;
    while (performance.now() - start < seconds * 1000) {
      const now = Date.now();
      let chunk = "";
      for (let i = 0; i < perTick; i++) chunk += scannerLine(sent + i, now, "bench") + "\n";
      sent += perTick;
      let markerIp: string | null = null;
      if (performance.now() >= nextMarker) {
        markerIp = `198.18.${(markers >> 8) & 255}.${markers & 255}`;
        for (let j = 0; j < 5; j++) chunk += failedLine(markerIp, now + j, k++, "bench") + "\n";
        sent += 5;
        markers++;
        nextMarker += 200;
      }
      await fh.write(enc.encode(chunk));
      if (markerIp) appended.set(markerIp, performance.now());
      const wait = start + ((sent - markers * 5) / perTick) * tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    fh.close();
    // Wait (bounded) for the last anomalies.
    for (let i = 0; i < 100 && appended.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
    await col.stop();
    abort.abort();
    await reading;
    return {
      rate,
      seconds,
      sent,
      markers,
      received: latencies.length,
      p50_ms: Math.round(quantile(latencies, 0.5)),
      p99_ms: Math.round(quantile(latencies, 0.99)),
      max_ms: Math.round(Math.max(...latencies)),
    };
  } finally {
    abort.abort();
    await server.stop();
  }
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "hw-e2e-" });
  try {
    // deno-lint-ignore no-console
    console.log(JSON.stringify(await benchThroughput(Number(Deno.args[0] ?? 100_000), dir)));
    // deno-lint-ignore no-console
    console.log(JSON.stringify(await benchLatency(Number(Deno.args[1] ?? 1000), 5, dir)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
