/**
 * Cross-instance fan-out delay (docs/scaling.md): how much later an anomaly reaches an SSE
 * subscriber of another instance than a subscriber of the instance that raised it.
 *
 *   deno run -A bench/fanout.ts [--mode processes|serve] [--n 40]
 *
 * `processes`: two `deno run main.ts` servers on one KV file (the feed is polled, 250 ms).
 * `serve`: `deno serve --parallel` with two isolates (the feed is watched). Eight SSE
 * subscribers are spread over the isolates by the kernel; each round raises one brute force
 * over HTTP and takes, per subscriber, when the anomaly arrived; delay = last - first.
 */
import { parseArgs } from "node:util";

// deno-lint-ignore no-console
const say = (s: string) => console.error(`[fanout] ${s}`);

const { values } = parseArgs({
  args: Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args,
  options: { mode: { type: "string", default: "processes" }, n: { type: "string", default: "40" } },
  strict: true,
});
const mode = values.mode === "serve" ? "serve" : "processes";
const rounds = Number(values.n);
const TOKEN = "fanout-bench-token";
const root = new URL("../", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "hw-fanout-" });
const children: Deno.ChildProcess[] = [];

/** Start a child; resolves with the port it printed once it listens. */
async function start(args: string[], env: Record<string, string>): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args, cwd: root, env, stdout: "piped", stderr: "piped" })
    .spawn();
  children.push(child);
  void child.stderr.pipeTo(new WritableStream());
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited:\n${out}`);
    out += value;
    const m = out.match(/listening on http:\/\/[^\s/]+:(\d+)\//);
    if (m) {
      void reader.read().then(function drain(r): unknown {
        return r.done ? undefined : reader.read().then(drain);
      });
      return Number(m[1]);
    }
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** An SSE subscriber recording when each anomaly id first arrived (performance.now()). */
function subscribe(url: string, signal: AbortSignal) {
  const seen = new Map<string, number>();
  const { promise: connected, resolve } = Promise.withResolvers<void>();
  (async () => {
    const res = await fetch(url, { signal });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const at = performance.now();
      resolve();
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split("\n").find((l) => l.startsWith("data: "));
        if (!block.includes("event: anomaly") || !data) continue;
        const a = JSON.parse(data.slice(6));
        if (a.updates === 1 && !seen.has(a.ip)) seen.set(a.ip, at);
      }
    }
  })().catch(() => {});
  return { seen, connected };
}

const quantile = (xs: number[], q: number) => {
  const s = xs.toSorted((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const ac = new AbortController();
try {
  const env = {
    HONEYWATCH_INGEST_TOKEN: TOKEN,
    HONEYWATCH_RATE_LIMIT_IP: "0",
    HONEYWATCH_KV: `${dir}/hw.kv`,
    HONEYWATCH_LOG_LEVEL: "warn",
  };
  let urls: string[];
  let ingestUrl: string;
  if (mode === "processes") {
    const args = ["run", "-A", "main.ts", "--port", "0", "--host", "127.0.0.1"];
    const [a, b] = await Promise.all([start(args, env), start(args, env)]);
    urls = [a, b].map((p) => `http://127.0.0.1:${p}`);
    ingestUrl = urls[1];
  } else {
    const port = freePort();
    await start(["serve", "--parallel", "-A", "--port", String(port), "--host", "127.0.0.1", "serve.ts"], {
      ...env,
      DENO_JOBS: "2",
    });
    urls = Array.from({ length: 8 }, () => `http://127.0.0.1:${port}`);
    ingestUrl = urls[0];
  }
  const subs = urls.map((u) => subscribe(`${u}/api/stream?type=brute_force`, ac.signal));
  await Promise.all(subs.map((s) => s.connected));
  say(`${mode}: ${subs.length} subscribers, ${rounds} rounds`);
  const delays: number[] = [];
  const t0 = Date.parse("2026-11-25T10:00:00Z");
  for (let r = 0; r < rounds; r++) {
    const ip = `203.0.${100 + Math.floor(r / 250)}.${(r % 250) + 1}`;
    const body = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({
        eventid: "cowrie.login.failed",
        timestamp: new Date(t0 + i * 1000).toISOString(),
        src_ip: ip,
        session: "s",
        username: "root",
        password: `pw${i}`,
      })).join("\n");
    const res = await fetch(`${ingestUrl}/api/ingest?source=cowrie&sensor=bench`, {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await res.body?.cancel();
    const end = performance.now() + 10_000;
    while (subs.some((s) => !s.seen.has(ip)) && performance.now() < end) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const times = subs.map((s) => s.seen.get(ip)).filter((t): t is number => t !== undefined);
    if (times.length < subs.length) say(`round ${r}: only ${times.length} of ${subs.length} subscribers`);
    else delays.push(Math.max(...times) - Math.min(...times));
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 300));
  }
  // Where the subscribers are: /api/health over fresh connections until every instance answered.
  const perInstance: Record<string, number> = {};
  for (let i = 0; i < 40 && Object.keys(perInstance).length < (mode === "serve" ? 2 : urls.length); i++) {
    const u = urls[i % urls.length];
    const h = await (await fetch(`${u}/api/health`, { headers: { connection: "close" } })).json();
    perInstance[h.instance] = h.subscribers;
  }
  const r = (x: number) => Math.round(x * 10) / 10;
  const result = {
    mode,
    subscribers_per_instance: Object.values(perInstance),
    rounds: delays.length,
    median_ms: r(quantile(delays, 0.5)),
    p95_ms: r(quantile(delays, 0.95)),
    max_ms: r(Math.max(...delays)),
  };
  // deno-lint-ignore no-console
  console.log(JSON.stringify(result));
} finally {
  ac.abort();
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch { /* gone */ }
    await c.status;
  }
  await Deno.remove(dir, { recursive: true });
}
