/**
 * Two real server processes (`deno run main.ts`) on one KV file: the write-behind merge keeps
 * counts exact, and the live feed carries anomalies between them.
 */
import assert from "node:assert/strict";
import { type Proc, spawn, until } from "./collector/_procs.ts";
import { cowrie, type SseEvent, TOKEN, UplinkClient } from "./_helpers.ts";

const T0 = Date.parse("2026-11-25T10:00:00Z");

async function startServer(kvPath: string, procs: Proc[]): Promise<{ proc: Proc; port: number }> {
  const proc = spawn("server", [
    "run",
    "-A",
    "main.ts",
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    "--kv",
    kvPath,
    "--ingest-token",
    TOKEN,
    "--flush-interval",
    "200ms",
    "--rate-limit-ip",
    "0",
  ]);
  procs.push(proc);
  const m = await proc.waitFor(/listening on http:\/\/[^\s/]+:(\d+)\//, 30_000);
  return { proc, port: Number(m[1]) };
}

/**
 * Read an SSE stream into `events` until `signal` aborts or the server goes away;
 * `connected` settles on the first bytes.
 */
function collectSse(url: string, signal: AbortSignal) {
  const events: SseEvent[] = [];
  const { promise: connected, resolve, reject } = Promise.withResolvers<void>();
  const done = (async () => {
    const res = await fetch(url, { signal });
    if (!res.ok || !res.body) throw new Error(`SSE ${url} answered ${res.status}`);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        resolve();
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = { event: "message", data: "" };
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) ev.event = line.slice(7);
            else if (line.startsWith("id: ")) ev.id = line.slice(4);
            else if (line.startsWith("data: ")) ev.data += line.slice(6);
          }
          if (ev.data) events.push(ev);
        }
      }
    } catch {
      // Aborted by the test, or the server stopped: the stream ends here.
    } finally {
      await reader.cancel().catch(() => {});
    }
  })();
  done.catch(reject);
  return { events, connected, done: done.catch(() => {}) };
}

interface Anomaly {
  id: string;
  type: string;
  ip: string;
  updates: number;
}

const anomaliesOf = (events: SseEvent[]): Anomaly[] =>
  events.filter((e) => e.event === "anomaly").map((e) => JSON.parse(e.data));

Deno.test("two main.ts processes on one KV file - exact counts for overlapping IPs; B's anomaly reaches A's SSE once", async () => {
  const dir = await Deno.makeTempDir();
  const kvPath = `${dir}/hw.kv`;
  const procs: Proc[] = [];
  const ac = new AbortController();
  let sse: ReturnType<typeof collectSse> | undefined;
  try {
    const [a, b] = await Promise.all([startServer(kvPath, procs), startServer(kvPath, procs)]);
    sse = collectSse(`http://127.0.0.1:${a.port}/api/stream`, ac.signal);
    await sse.connected;

    // 20 IPs attacked through both servers: 5 failed logins each way, 3 minutes apart in event
    // time (below every detector's threshold), with credentials no other IP shares.
    const ips = Array.from({ length: 20 }, (_, i) => `198.51.100.${i + 1}`);
    const sent = new Map<string, number>();
    const bruteIp = "203.0.113.50";
    const feed = async (port: number, sensor: string, slot: number) => {
      const c = await UplinkClient.connect(`ws://127.0.0.1:${port}`);
      try {
        assert.equal((await c.hello(sensor)).type, "welcome");
        for (let r = 0; r < 5; r++) {
          const batch = ips.map((ip) => {
            sent.set(ip, (sent.get(ip) ?? 0) + 1);
            const cred = `${ip}-${sensor}-${r}`;
            return cowrie("cowrie.login.failed", ip, T0 + (2 * r + slot) * 180_000, {
              username: `u-${cred}`,
              password: `p-${cred}`,
            });
          });
          // Server B alone sees a brute force: 10 failures in 10 s.
          if (sensor === "vm-b" && r === 2) {
            for (let i = 0; i < 10; i++) {
              batch.push(
                cowrie("cowrie.login.failed", bruteIp, T0 + i * 1000, {
                  username: "root",
                  password: `x${i}`,
                }),
              );
            }
          }
          const ack = await c.batch(r + 1, batch);
          assert.equal(ack.type, "ack", JSON.stringify(ack));
        }
      } finally {
        await c.close();
      }
    };
    await Promise.all([feed(a.port, "vm-a", 0), feed(b.port, "vm-b", 1)]);

    const get = async (port: number, path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      assert.equal(res.status, 200, `${path}: ${res.status}`);
      return await res.json();
    };
    // Every IP's failed logins, as either server reads them once both have flushed.
    const counts = async (port: number) =>
      await Promise.all(
        ips.map(async (ip) => (await get(port, `/api/actors/${ip}`)).kinds.login_failed ?? 0),
      );
    const want = ips.map((ip) => sent.get(ip));
    let last: unknown;
    await until("both servers show every failed login", async () => {
      last = [await counts(a.port), await counts(b.port)];
      return JSON.stringify(last) === JSON.stringify([want, want]);
    }, 45_000).catch((e) => {
      throw new Error(`${e.message}: want ${JSON.stringify(want)}, got ${JSON.stringify(last)}`);
    });
    const sensors = (await get(a.port, "/api/sensors")).items as { sensor: string; events: number }[];
    const events = Object.fromEntries(sensors.map((s) => [s.sensor, s.events]));
    assert.deepEqual(events, { "vm-a": 100, "vm-b": 110 });
    assert.equal((await get(a.port, `/api/actors/${bruteIp}`)).kinds.login_failed, 10);

    // B raised the brute force and, at its flush, the held-back update (updates 6): A's
    // subscriber gets both through the feed.
    await until(
      "A's subscriber has B's final brute_force update",
      () => anomaliesOf(sse!.events).some((x) => x.ip === bruteIp && x.updates === 6),
      45_000,
    );
    const got = anomaliesOf(sse.events);
    const brute = got.filter((x) => x.ip === bruteIp);
    assert.ok(brute.every((x) => x.type === "brute_force" && x.id === brute[0].id), JSON.stringify(brute));
    assert.deepEqual(brute.map((x) => x.updates), [1, 6]);
    const seen = got.map((x) => `${x.id}#${x.updates}`);
    assert.equal(new Set(seen).size, seen.length, `a message arrived twice: ${seen.join(", ")}`);
    const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
    assert.match(metrics, /honeywatch_fanout_received_total\{event="anomaly"\} [1-9]/);

    // A clean stop of each flushes and leaves.
    for (const s of [a, b]) {
      s.proc.child.kill("SIGTERM");
      assert.equal((await s.proc.exitWithin(20_000)).code, 0, s.proc.output);
    }
  } finally {
    ac.abort();
    await sse?.done.catch(() => {});
    for (const p of procs) await p.kill();
    await Deno.remove(dir, { recursive: true });
  }
});
