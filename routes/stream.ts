/**
 * Live anomalies: `GET /api/stream` (SSE) and `GET /api/subscribe` (WebSocket), with the
 * same filters (`type`, `minSeverity`, `ip`, `sensor`). Frames are coalesced per tick.
 */
import { Hono } from "hono";
import { HttpError } from "../lib/http_error.ts";
import type { HubFilter, HubMessage, Subscription } from "../lib/hub.ts";
import { normaliseIp } from "../lib/ip.ts";
import type { Runtime } from "../lib/runtime.ts";
import { encodeSse, encodeSseComment } from "../lib/sse.ts";
import { severityParam } from "./api.ts";

/**
 * At most one write per subscriber this often: writes, not bytes, cost. A message after a
 * quiet spell goes out at once; one within this long of the last write waits for the rest.
 */
export const COALESCE_MS = 75;
/** A comment is sent when nothing else was for this long. */
export const HEARTBEAT_MS = 15_000;
/** Per-subscriber queue: past it the oldest message is dropped and counted. */
export const QUEUE_CAP = 256;
/** A WebSocket subscriber with more than this unsent is not given more (its queue fills instead). */
export const MAX_BUFFERED_BYTES = 64 * 1024;

function filterOf(q: Record<string, string>): HubFilter {
  const types = (q.type ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  let ip: string | undefined;
  if (q.ip) {
    ip = normaliseIp(q.ip) ?? undefined;
    if (!ip) {
      throw new HttpError(400, `Query "ip" is ${JSON.stringify(q.ip)}, must be an IPv4 or IPv6 address`);
    }
  }
  return {
    types: types.length ? new Set(types) : undefined,
    minSeverity: severityParam(q.minSeverity),
    ip,
    sensor: q.sensor || undefined,
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/**
 * Wait for messages (or the heartbeat) and return what is queued, writing at most once per
 * `COALESCE_MS`: leading edge, so a lone anomaly is not held back.
 */
async function nextFrames(
  sub: Subscription,
  signal: AbortSignal,
  last: { at: number },
): Promise<HubMessage[]> {
  await Promise.race([sub.wait(), sleep(HEARTBEAT_MS, signal)]);
  const wait = last.at + COALESCE_MS - performance.now();
  if (sub.queue.length > 0 && wait > 0) await sleep(wait, signal);
  last.at = performance.now();
  return sub.take();
}

export function streamRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.get("/api/stream", (c) => {
    const filter = filterOf(c.req.query());
    const lastId = c.req.header("last-event-id") ?? c.req.query("lastEventId");
    const after = lastId && /^\d+$/.test(lastId) ? Number(lastId) : undefined;
    const sub = rt.hub.subscribe(filter, QUEUE_CAP, after);
    // A client that leaves cancels the body stream (Deno calls `cancel`), which ends the pulls.
    // (Deno.serve's legacy request.signal also fires on normal completion, so it is not used.)
    const abort = new AbortController();
    const enc = new TextEncoder();
    const last = { at: 0 };
    // Pulled, not pushed: the next frame is taken only once the connection took the last one,
    // so a client that stops reading fills its bounded queue (oldest dropped and counted), not
    // a stream buffer without bound.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(enc.encode(`retry: 2000\n${encodeSseComment("connected")}`));
      },
      async pull(controller) {
        const msgs = await nextFrames(sub, abort.signal, last);
        if (abort.signal.aborted) return;
        let text = msgs.length === 0 ? encodeSseComment("heartbeat") : "";
        for (const m of msgs) text += encodeSse({ event: m.event, id: String(m.seq), data: m.json });
        controller.enqueue(enc.encode(text));
      },
      cancel() {
        abort.abort();
        sub.close();
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  });

  app.get("/api/subscribe", (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(426, "GET /api/subscribe is a WebSocket endpoint", "upgrade_required");
    }
    const filter = filterOf(c.req.query());
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 60 });
    const abort = new AbortController();
    const sub = rt.hub.subscribe(filter, QUEUE_CAP);
    socket.onclose = () => abort.abort();
    socket.onerror = () => abort.abort();
    socket.onopen = async () => {
      const last = { at: 0 };
      try {
        while (!abort.signal.aborted && socket.readyState === WebSocket.OPEN) {
          // A client that does not read leaves sends buffered: wait, so its queue drops instead.
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
            await sleep(COALESCE_MS, abort.signal);
            continue;
          }
          const msgs = await nextFrames(sub, abort.signal, last);
          if (socket.readyState !== WebSocket.OPEN) break;
          if (msgs.length === 0) {
            socket.send(JSON.stringify({ type: "heartbeat", dropped: sub.dropped }));
          }
          for (const m of msgs) socket.send(`{"type":"${m.event}","id":${m.seq},"data":${m.json}}`);
        }
      } finally {
        sub.close();
      }
    };
    return response;
  });

  return app;
}
