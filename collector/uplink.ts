/**
 * The honeywatch.v1 client (docs/protocol.md): hello with the resume point, welcome, then the
 * spool's unacknowledged batches in seq order with at most `maxInFlight` unacknowledged on the
 * wire; heartbeats every `heartbeatMs`; on any loss of the connection, reconnect with
 * exponential backoff and jitter and resend everything after the server's `welcome.acked`.
 *
 * The uplink never holds data of its own: the spool is the source of every batch, so a
 * reconnect or a restart resends the same seqs with the same content.
 */
import { log } from "../lib/log.ts";
import { type HeartbeatFrame, PROTOCOL, type ServerFrame } from "../lib/schema.ts";
import type { FilePosition } from "./checkpoint.ts";
import type { Spool, SpooledBatch } from "./spool.ts";

export interface UplinkOptions {
  /** `ws://host:8000/ingest` */
  url: string;
  token: string;
  sensor: string;
  role?: "honeypot" | "production";
  spool: Spool;
  /** Batches sent and not yet acknowledged (default 8). */
  maxInFlight?: number;
  heartbeatMs?: number;
  /** First reconnect delay and its cap (defaults 250 ms and 30 s). */
  backoffMs?: { initial: number; max: number };
  /** Reconnect if the server sends nothing for this long while batches wait (default 30 s). */
  stallMs?: number;
  /** The spool starts from seq 0 on purpose (replay): continuing above the server's seqs is normal. */
  freshSeqs?: boolean;
  /** Values for the heartbeat frame. */
  stats: () => Omit<HeartbeatFrame, "type">;
  /** After the server acknowledged everything up to `seq`; `positions` if the batch is known. */
  onAck?: (seq: number, positions: Record<string, FilePosition> | undefined) => void;
  /** A problem no retry fixes (bad token). The uplink stops. */
  onFatal?: (error: Error) => void;
}

/**
 * How long to wait before retry number `attempt` (from 0): exponential from `initial` up to
 * `max`, with "equal jitter" (half the cap, plus a random part of the other half).
 */
export function backoffDelay(
  attempt: number,
  { initial, max }: { initial: number; max: number } = { initial: 250, max: 30_000 },
): number {
  const cap = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return cap / 2 + Math.random() * (cap / 2);
}

export class Uplink {
  readonly #o: UplinkOptions;
  readonly #maxInFlight: number;
  #ws: WebSocket | null = null;
  #ready = false;
  #cursor = 0;
  #inflight = new Map<number, SpooledBatch>();
  #pumping = false;
  #pumpAgain = false;
  /** Bumped on every welcome, so a pump of an older connection stops. */
  #gen = 0;
  #stopped = false;
  #attempt = 0;
  #lastHeard = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #rejectedBatches = new Set<number>();
  /** Events in batches the server refused as malformed (never retried past a later ack). */
  rejectedEvents = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(opts: UplinkOptions) {
    this.#o = opts;
    this.#maxInFlight = opts.maxInFlight ?? 8;
  }

  get connected(): boolean {
    return this.#ready;
  }

  start(): void {
    this.#connect();
    this.#heartbeatTimer = setInterval(() => this.#tick(), this.#o.heartbeatMs ?? 5000);
  }

  /** New batches are in the spool. */
  notify(): void {
    if (this.#ready) this.#pump();
  }

  /** Sends a heartbeat now (if connected). */
  heartbeat(): void {
    if (!this.#ready) return;
    this.#send({ type: "heartbeat", ...this.#o.stats() });
  }

  close(): void {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#heartbeatTimer);
    this.#ready = false;
    try {
      this.#ws?.close(1000, "collector stopping");
    } catch {
      // already closed
    }
    this.#ws = null;
  }

  /**
   * Like close(), then waits (at most `timeoutMs`) for the close handshake: frames sent just
   * before, such as a last heartbeat, reach the server even if the process exits right after.
   */
  async closeAndFlush(timeoutMs = 1000): Promise<void> {
    const ws = this.#ws;
    this.close();
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      ws.addEventListener("close", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  #connect(): void {
    if (this.#stopped) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.#o.url, PROTOCOL);
    } catch (e) {
      this.#o.onFatal?.(new Error(`Cannot connect to "${this.#o.url}": ${(e as Error).message}`));
      return;
    }
    this.#ws = ws;
    this.#lastHeard = Date.now();
    ws.onopen = () => {
      if (ws.protocol !== PROTOCOL) {
        log.warn("collector: server did not accept the subprotocol", {
          url: this.#o.url,
          protocol: ws.protocol,
        });
      }
      this.#send({
        type: "hello",
        sensor: this.#o.sensor,
        token: this.#o.token,
        resume: this.#o.spool.ackedSeq,
        ...(this.#o.role ? { role: this.#o.role } : {}),
      });
    };
    ws.onmessage = (ev) => {
      if (ws !== this.#ws) return;
      this.#lastHeard = Date.now();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        log.warn("collector: server sent a frame that is not JSON", { data: String(ev.data).slice(0, 200) });
        return;
      }
      // Serialised: welcome may renumber the spool, which is async.
      this.#chain = this.#chain.then(() => this.#onFrame(ws, frame)).catch((e) => {
        log.error("collector: uplink failed to handle a frame", { error: String(e) });
        this.#drop(ws);
      });
    };
    ws.onerror = () => {
      // A close event follows; it does the reconnecting.
    };
    ws.onclose = (ev) => {
      if (ws !== this.#ws) return;
      const was = this.#ready;
      this.#ready = false;
      this.#ws = null;
      this.#inflight.clear();
      if (ev.code === 4401) {
        this.#fatal(new Error(`Server refused the token for sensor "${this.#o.sensor}" (close code 4401)`));
        return;
      }
      if (was) log.warn("collector: connection to the server lost", { code: ev.code, reason: ev.reason });
      this.#scheduleReconnect();
    };
  }

  #fatal(e: Error): void {
    this.close();
    this.#o.onFatal?.(e);
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    const delay = backoffDelay(this.#attempt++, this.#o.backoffMs);
    log.debug("collector: reconnecting", { inMs: Math.round(delay), attempt: this.#attempt });
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  /** Closes a connection that misbehaves; the close handler reconnects. */
  #drop(ws: WebSocket): void {
    if (ws !== this.#ws) return;
    try {
      ws.close(4000, "collector resets the connection");
    } catch {
      // closed
    }
    // Deno fires onclose after the close handshake; do not wait for a dead peer.
    this.#ready = false;
    this.#ws = null;
    this.#inflight.clear();
    this.#scheduleReconnect();
  }

  async #onFrame(ws: WebSocket, frame: ServerFrame): Promise<void> {
    if (ws !== this.#ws) return;
    const spool = this.#o.spool;
    switch (frame.type) {
      case "welcome": {
        if (frame.acked > spool.lastSeq) {
          // Expected for a replay with a fresh state dir; for a collector it means its state dir was reset.
          (this.#o.freshSeqs ? log.info : log.warn)(
            "collector: the server has seqs above ours; renumbering",
            {
              serverAcked: frame.acked,
              localLastSeq: spool.lastSeq,
            },
          );
          await spool.renumberAbove(frame.acked);
        }
        if (frame.acked > spool.ackedSeq) this.#acked(frame.acked, undefined);
        else if (frame.acked < spool.ackedSeq) {
          log.warn(
            "collector: the server has fewer batches than it acknowledged before (its store was reset?)",
            {
              serverAcked: frame.acked,
              localAcked: spool.ackedSeq,
            },
          );
        }
        log.info("collector: connected", {
          url: this.#o.url,
          acked: frame.acked,
          resend: spool.lastSeq - spool.ackedSeq,
        });
        this.#gen++;
        this.#cursor = spool.ackedSeq;
        this.#inflight.clear();
        this.#attempt = 0;
        this.#ready = true;
        this.heartbeat();
        this.#pump();
        return;
      }
      case "ack": {
        const batch = this.#inflight.get(frame.seq);
        for (const seq of this.#inflight.keys()) if (seq <= frame.seq) this.#inflight.delete(seq);
        if (frame.seq > spool.ackedSeq) this.#acked(frame.seq, batch?.positions);
        this.#pump();
        return;
      }
      case "error": {
        if (frame.code === "unauthorized") {
          this.#fatal(new Error(`Server refused sensor "${this.#o.sensor}": ${frame.message}`));
          return;
        }
        if (frame.seq !== undefined && (frame.code === "bad_frame" || frame.code === "batch_too_large")) {
          // This batch will never be taken. Later batches go on; the first later ack covers its seq.
          const b = this.#inflight.get(frame.seq);
          if (b && !this.#rejectedBatches.has(b.seq)) {
            this.#rejectedBatches.add(b.seq);
            this.rejectedEvents += b.events.length;
          }
          log.error("collector: server refused a batch", {
            seq: frame.seq,
            code: frame.code,
            message: frame.message,
          });
          return;
        }
        // `internal` (not stored: resend) and anything else: start over from welcome.acked.
        log.warn("collector: server error; reconnecting", { code: frame.code, message: frame.message });
        this.#drop(ws);
        return;
      }
    }
  }

  #acked(seq: number, positions: Record<string, FilePosition> | undefined): void {
    this.#o.spool.ack(seq);
    for (const s of this.#rejectedBatches) if (s <= seq) this.#rejectedBatches.delete(s);
    this.#o.onAck?.(seq, positions);
  }

  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    this.#pumpAgain = false;
    this.#pumpLoop(this.#gen).catch((e) =>
      log.error("collector: reading the spool failed", { error: String(e) })
    )
      .finally(() => {
        this.#pumping = false;
        if (this.#pumpAgain && this.#ready) this.#pump();
      });
  }

  async #pumpLoop(gen: number): Promise<void> {
    while (this.#ready && gen === this.#gen && this.#inflight.size < this.#maxInFlight) {
      const b = await this.#o.spool.next(this.#cursor);
      if (!b || !this.#ready || gen !== this.#gen) return;
      this.#cursor = b.seq;
      this.#inflight.set(b.seq, b);
      this.#send({ type: "batch", seq: b.seq, source: b.source, events: b.events });
    }
  }

  #send(frame: unknown): void {
    try {
      this.#ws?.send(JSON.stringify(frame));
    } catch (e) {
      log.debug("collector: send failed", { error: String(e) });
    }
  }

  #tick(): void {
    if (!this.#ws) return;
    if (this.#ready) this.heartbeat();
    const waiting = this.#inflight.size > 0 || !this.#ready;
    if (waiting && Date.now() - this.#lastHeard > (this.#o.stallMs ?? 30_000)) {
      log.warn("collector: server silent; reconnecting", { silentMs: Date.now() - this.#lastHeard });
      this.#drop(this.#ws);
    }
  }
}
