/**
 * Uplink ingest throughput of one process against `deno serve --parallel` (docs/scaling.md).
 *
 *   deno run -A bench/parallel.ts [--sensors 4] [--events 200000] [--jobs 2]
 *
 * Each of `--sensors` WebSocket uplinks sends batches of 400 generated Cowrie events (4000
 * source IPs, the same for every sensor, or each its own with `--disjoint`) and waits for each ack; events/s is from the first batch to the last ack, over
 * all sensors. The same workload runs against `deno run main.ts` and against
 * `deno serve --parallel` with `--jobs` isolates, each on a fresh KV file.
 */
import { parseArgs } from "node:util";
import { PROTOCOL } from "../lib/schema.ts";

// deno-lint-ignore no-console
const say = (s: string) => console.error(`[parallel] ${s}`);

const { values } = parseArgs({
  args: Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
  options: {
    sensors: { type: "string", default: "4" },
    events: { type: "string", default: "200000" },
    jobs: { type: "string", default: "2" },
    disjoint: { type: "boolean", default: false },
  },
  strict: true,
});
const sensors = Number(values.sensors);
const total = Number(values.events);
const TOKEN = "parallel-bench-token";
const BATCH = 400;
const root = new URL("../", import.meta.url).pathname;

function batchOf(sensor: number, seq: number): unknown[] {
  const t0 = Date.parse("2026-11-25T10:00:00Z") + seq * 5000;
  return Array.from({ length: BATCH }, (_, i) => {
    const n = (sensor * 7919 + seq * BATCH + i) % 4000;
    // Shared: every sensor sees the same 4000 IPs (actors merge across isolates); disjoint: its own.
    const net = values.disjoint ? 10 + sensor : 198;
    return {
      eventid: "cowrie.session.connect",
      timestamp: new Date(t0 + i * 10).toISOString(),
      src_ip: `${net}.${18 + (n >> 8 & 1)}.${n >> 8}.${n & 255}`,
      src_port: 40000 + i,
      dst_ip: "10.0.0.2",
      dst_port: 22,
      session: `s${sensor}.${seq}.${i}`,
    };
  });
}

/** One uplink: hello, then `batches` batches one after another; resolves when the last is acked. */
function uplink(url: string, sensor: number, batches: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, PROTOCOL);
    let seq = 0;
    const next = () =>
      ws.send(JSON.stringify({ type: "batch", seq: ++seq, source: "cowrie", events: batchOf(sensor, seq) }));
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", sensor: `bench-${sensor}`, token: TOKEN }));
    ws.onmessage = (e) => {
      const f = JSON.parse(String(e.data));
      if (f.type === "welcome") next();
      else if (f.type === "ack") {
        if (f.seq >= batches) {
          ws.close();
          resolve();
        } else next();
      } else if (f.type === "error") reject(new Error(JSON.stringify(f)));
    };
    ws.onerror = (e) => reject(new Error((e as ErrorEvent).message));
  });
}

async function run(kind: "process" | "serve"): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "hw-parallel-" });
  const port = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const p = (l.addr as Deno.NetAddr).port;
    l.close();
    return p;
  })();
  const env = {
    HONEYWATCH_INGEST_TOKEN: TOKEN,
    HONEYWATCH_KV: `${dir}/hw.kv`,
    HONEYWATCH_LOG_LEVEL: "warn",
    HONEYWATCH_RATE_LIMIT_SENSOR: "0",
    HONEYWATCH_RATE_LIMIT_IP: "0",
    DENO_JOBS: values.jobs!,
  };
  const args = kind === "process"
    ? ["run", "-A", "main.ts", "--port", String(port), "--host", "127.0.0.1"]
    : ["serve", "--parallel", "-A", "--port", String(port), "--host", "127.0.0.1", "serve.ts"];
  const child = new Deno.Command(Deno.execPath(), { args, cwd: root, env, stdout: "piped", stderr: "piped" })
    .spawn();
  void child.stderr.pipeTo(new WritableStream());
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let out = "";
    while (!/listening on/.test(out)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`server exited: ${out}`);
      out += value;
    }
    void (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })();
    await new Promise((r) => setTimeout(r, 1000)); // let every isolate listen
    const per = Math.ceil(total / sensors / BATCH);
    const t = performance.now();
    await Promise.all(
      Array.from({ length: sensors }, (_, s) => uplink(`ws://127.0.0.1:${port}/ingest`, s, per)),
    );
    return Math.round((per * BATCH * sensors) / ((performance.now() - t) / 1000));
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

const result: Record<string, unknown> = {
  sensors,
  events: total,
  jobs: Number(values.jobs),
  disjoint: values.disjoint,
};
for (const kind of ["process", "serve", "process", "serve"] as const) {
  say(`${kind}...`);
  const eps = await run(kind);
  const k = `${kind}_events_per_s`;
  result[k] = [...(result[k] as number[] ?? []), eps];
}
// deno-lint-ignore no-console
console.log(JSON.stringify(result));
