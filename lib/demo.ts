/**
 * The built-in demo feed of `deno task dev`: generated Cowrie events paced in real time,
 * sent through a real WebSocket to this server's own `/ingest`, the path a collector uses.
 */
import { generateCowrie, parseCowrieTimestamp } from "../collector/generate.ts";
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

  const tick = () => {
    const now = Date.now();
    const events: unknown[] = [];
    while (parseCowrieTimestamp(String(next.timestamp)) <= now && events.length < 400) {
      events.push(next);
      next = gen.next().value.record;
    }
    if (events.length === 0) return;
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
