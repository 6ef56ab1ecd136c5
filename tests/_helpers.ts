/** Test helpers: a real server on port 0 built from the app factory, and wire clients. */
import { type Clock, systemClock } from "../lib/clock.ts";
import { loadConfig } from "../lib/config.ts";
import { type Runtime, startRuntime } from "../lib/runtime.ts";
import { PROTOCOL, type ServerFrame } from "../lib/schema.ts";
import { createApp } from "../routes/mod.ts";

export const TOKEN = "test-token-123456";

export interface TestServer {
  url: string;
  wsUrl: string;
  rt: Runtime;
  kv: Deno.Kv;
  app: ReturnType<typeof createApp>;
  /** Stop serving, flush and close the runtime, close KV. */
  close(): Promise<void>;
}

/** Start the real app on 127.0.0.1 and a free port. `kvPath` defaults to ":memory:". */
export async function startServer(
  opts: { kvPath?: string; args?: string[]; clock?: Clock } = {},
): Promise<TestServer> {
  const config = loadConfig(
    ["--ingest-token", TOKEN, "--flush-interval", "200ms", ...(opts.args ?? [])],
    {},
  );
  const kv = await Deno.openKv(opts.kvPath ?? ":memory:");
  const rt = await startRuntime(kv, config, opts.clock ?? systemClock);
  const app = createApp(rt);
  const ac = new AbortController();
  const { promise: listening, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: ({ port }) => resolve(port) },
    app.fetch,
  );
  const port = await listening;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    rt,
    kv,
    app,
    async close() {
      if (closed) return;
      closed = true;
      ac.abort();
      await server.finished;
      await rt.close();
      kv.close();
    },
  };
}

/** A minimal honeywatch.v1 uplink client that records every server frame. */
export class UplinkClient {
  readonly frames: ServerFrame[] = [];
  #waiters: { pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  readonly closed: Promise<CloseEvent>;
  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      const f = JSON.parse(String(e.data)) as ServerFrame;
      this.frames.push(f);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pred(f)) return true;
        w.resolve(f);
        return false;
      });
    };
    this.closed = new Promise((r) => ws.addEventListener("close", (e) => r(e as CloseEvent)));
  }

  static async connect(wsUrl: string): Promise<UplinkClient> {
    const ws = new WebSocket(`${wsUrl}/ingest`, PROTOCOL);
    const c = new UplinkClient(ws);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = (e) => reject(new Error(`WebSocket failed: ${(e as ErrorEvent).message}`));
    });
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * The next frame (already received or future) matching `pred`. Fails after `timeoutMs` (a
   * safety deadline, so that a server that never answers fails the test instead of hanging it).
   */
  next(pred: (f: ServerFrame) => boolean, timeoutMs = 60_000): Promise<ServerFrame> {
    const seen = this.frames.find(pred);
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (f: ServerFrame) => {
          clearTimeout(timer);
          this.frames.splice(this.frames.indexOf(f), 1);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching frame in ${timeoutMs} ms; frames: ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  async hello(sensor: string, token = TOKEN, resume?: number): Promise<ServerFrame> {
    this.send({ type: "hello", sensor, token, resume });
    return await this.next((f) => f.type === "welcome" || f.type === "error");
  }

  async batch(seq: number, events: unknown[], source = "cowrie"): Promise<ServerFrame> {
    this.send({ type: "batch", seq, source, events });
    return await this.next((f) => (f.type === "ack" || f.type === "error") && f.seq === seq);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    await this.closed;
  }
}

/** A parsed SSE message. */
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Read an SSE stream until `until` returns true for the events so far. The caller's
 * `signal` aborts the request.
 */
export async function readSse(
  url: string,
  until: (events: SseEvent[]) => boolean,
  signal: AbortSignal,
  headers: Record<string, string> = {},
): Promise<SseEvent[]> {
  const res = await fetch(url, { signal, headers });
  if (!res.ok || !res.body) throw new Error(`SSE ${url} answered ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buf = "";
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev: SseEvent = { event: "message", data: "" };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const [k, ...rest] = line.split(":");
          const v = rest.join(":").replace(/^ /, "");
          if (k === "event") ev.event = v;
          else if (k === "id") ev.id = v;
          else if (k === "data") data.push(v);
        }
        if (data.length) {
          ev.data = data.join("\n");
          events.push(ev);
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}

/** A Cowrie record, shaped like Cowrie 3.x writes it. */
export function cowrie(
  eventid: string,
  src_ip: string,
  ms: number,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    eventid,
    timestamp: new Date(ms).toISOString().replace("Z", "000Z"),
    src_ip,
    session: "a1b2c3d4e5f6",
    sensor: "test",
    message: "",
    ...fields,
  };
}

/** `n` failed logins from `ip`, `gapMs` apart from `start`. */
export function failedLogins(ip: string, start: number, n: number, gapMs = 1000): Record<string, unknown>[] {
  return Array.from(
    { length: n },
    (_, i) => cowrie("cowrie.login.failed", ip, start + i * gapMs, { username: "root", password: `pw${i}` }),
  );
}

/** Resolve when `fn` returns a truthy value; polls, bounded by `attempts`. */
export async function eventually<T>(fn: () => Promise<T> | T, attempts = 200, everyMs = 25): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met after ${attempts} attempts${last ? `: ${last}` : ""}`);
}

/** POST Cowrie records to `/api/ingest` of an in-process server as `sensor`; fails unless 200. */
export async function postCowrie(srv: TestServer, records: unknown[], sensor = "hp1"): Promise<void> {
  const res = await srv.app.request(`/api/ingest?source=cowrie&sensor=${sensor}`, {
    method: "POST",
    body: records.map((r) => JSON.stringify(r)).join("\n"),
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
}
