/**
 * The built-in demo feed of `deno task dev`: generated Cowrie events paced in real time,
 * sent through a real WebSocket to this server's own `/ingest`, the path a collector uses;
 * and, as a collector with `--ttylog-dir` would, each interactive session's TTY log through
 * `PUT /api/ttylogs/:sha256` (lib/demo_ttylog.ts).
 */
import { generateCowrie, parseCowrieTimestamp } from "../collector/generate.ts";
import { httpBase } from "../collector/ttylog_ship.ts";
import { DemoTtylogs } from "./demo_ttylog.ts";
import { announce, log } from "./log.ts";
import { PROTOCOL, type ServerFrame } from "./schema.ts";

export interface DemoOptions {
  /** ws://host:port/ingest of this server. */
  url: string;
  token: string;
  /** Events per second. */
  rate: number;
  sensor?: string;
  seed?: number;
}

/** Start the feed into the server listening on `port` and say so; returns the stop function. */
export function startLocalDemo(port: number, token: string, rate: number): () => void {
  const stop = startDemo({ url: `ws://127.0.0.1:${port}/ingest`, token, rate });
  announce(`demo feed: ${rate} Cowrie events/s as sensor "demo-honeypot"`);
  return stop;
}

/** Start the feed; returns a function that stops it. */
export function startDemo(o: DemoOptions): () => void {
  const sensor = o.sensor ?? "demo-honeypot";
  const gen = generateCowrie({
    seed: o.seed ?? Date.now() % 100_000,
    start: Date.now(),
    rate: o.rate,
    sensor,
  });
  let next = gen.next().value.record;
  let stopped = false;
  let ws: WebSocket | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let seq = 0;
  const unacked = new Map<number, unknown[]>();

  const connect = () => {
    if (stopped) return;
    const sock = new WebSocket(o.url, PROTOCOL);
    ws = sock;
    sock.onopen = () => sock.send(JSON.stringify({ type: "hello", sensor, token: o.token }));
    sock.onmessage = (e) => {
      const f = JSON.parse(String(e.data)) as ServerFrame;
      if (f.type === "welcome") {
        if (seq < f.acked) seq = f.acked;
        for (const [s, events] of unacked) {
          if (s <= f.acked) unacked.delete(s);
          else sock.send(JSON.stringify({ type: "batch", seq: s, source: "cowrie", events }));
        }
        timer ??= setInterval(tick, 100);
      } else if (f.type === "ack") {
        unacked.delete(f.seq);
      } else {
        log.warn("demo feed: server error", { code: f.code, message: f.message });
      }
    };
    sock.onclose = () => {
      ws = null;
      if (!stopped) setTimeout(connect, 1000);
    };
    sock.onerror = () => {};
  };

  const ttylogs = new DemoTtylogs();
  const base = httpBase(o.url);
  const upload = async (u: { sha256: string; bytes: Uint8Array; session: string; ip: string }) => {
    const q = new URLSearchParams({ sensor, session: u.session, ip: u.ip });
    try {
      const res = await fetch(`${base}/api/ttylogs/${u.sha256}?${q}`, {
        method: "PUT",
        body: u.bytes as Uint8Array<ArrayBuffer>,
        headers: { authorization: `Bearer ${o.token}`, "content-type": "application/octet-stream" },
      });
      await res.body?.cancel();
      if (!res.ok) log.warn("demo feed: TTY log refused", { status: res.status });
    } catch (e) {
      if (!stopped) log.warn("demo feed: TTY log not sent", { error: String(e) });
    }
  };

  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      await send();
    } finally {
      ticking = false;
    }
  };
  const send = async () => {
    const now = Date.now();
    const events: Record<string, unknown>[] = [];
    while (parseCowrieTimestamp(String(next.timestamp)) <= now && events.length < 400) {
      events.push(next);
      next = gen.next().value.record;
    }
    if (events.length === 0) return;
    for (const u of await ttylogs.take(events)) await upload(u);
    if (stopped) return;
    // Bounded: if the server is away for long, the oldest demo batches are let go.
    if (unacked.size > 600) unacked.delete(unacked.keys().next().value!);
    unacked.set(++seq, events);
    if (ws?.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: "batch", seq, source: "cowrie", events }));
    }
  };

  connect();
  return () => {
    stopped = true;
    clearInterval(timer);
    ws?.close();
  };
}
