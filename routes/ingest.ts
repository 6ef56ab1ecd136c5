/**
 * Ingest: the collector uplink (`GET /ingest`, WebSocket, honeywatch.v1) and HTTP NDJSON
 * (`POST /api/ingest`). Both go through the same pipeline; see docs/protocol.md.
 */
import { Hono } from "hono";
import { accessOf, type IngestGrant } from "../lib/access/mod.ts";
import { bearerToken } from "../lib/auth.ts";
import { HttpError } from "../lib/http_error.ts";
import { log } from "../lib/log.ts";
import type { IngestResult } from "../lib/pipeline.ts";
import type { Runtime } from "../lib/runtime.ts";
import { sensorSeq } from "../lib/event_store.ts";
import {
  ClientFrame,
  MAX_BATCH_EVENTS,
  PROTOCOL,
  SensorName,
  type ServerFrame,
  Source,
} from "../lib/schema.ts";

/** Largest WebSocket frame taken (400 events of up to 64 KiB each would be more; collectors send ~40 KiB). */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** Largest HTTP ingest body. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** A WebSocket that has not said a valid hello within this long (or the idle timeout, if shorter) is closed. */
export const HELLO_TIMEOUT_MS = 10_000;

export function ingestRoutes(rt: Runtime): Hono {
  const app = new Hono();
  // What is refused whole never reaches the pipeline's per-reason counts: counted here.
  const refusedFrames = rt.ops.metrics.counter(
    "honeywatch_ingest_frames_refused_total",
    "Uplink frames answered with an error frame, by code",
    ["code"],
  );
  const refusedRequests = rt.ops.metrics.counter(
    "honeywatch_ingest_requests_refused_total",
    "HTTP ingest requests refused whole (4xx), by status",
    ["status"],
  );

  app.get("/ingest", (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(
        426,
        "GET /ingest is a WebSocket endpoint (subprotocol honeywatch.v1)",
        "upgrade_required",
      );
    }
    const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim());
    if (!offered.includes(PROTOCOL)) {
      throw new HttpError(400, `WebSocket subprotocol "${PROTOCOL}" is required`, "bad_protocol");
    }
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, {
      protocol: PROTOCOL,
      idleTimeout: rt.config.wsIdleTimeoutS ?? 120,
    });
    serveUplink(rt, socket, (code) => refusedFrames.inc({ code }));
    return response;
  });

  app.use("/api/ingest", async function countRefused(c, next) {
    await next();
    if (c.res.status >= 400 && c.res.status < 500) refusedRequests.inc({ status: String(c.res.status) });
  });

  app.post("/api/ingest", async (c) => {
    const token = bearerToken(c.req.header("authorization"));
    // A per-sensor token is bound to its name: checked against the sensor the request claims.
    if (token === null || !(await accessOf(rt).ingest.verify(token, c.req.query("sensor") ?? "http"))) {
      throw new HttpError(401, "Ingest needs a valid token: Authorization: Bearer TOKEN", "unauthorized");
    }
    const source = Source.safeParse(c.req.query("source") ?? "cowrie");
    if (!source.success) {
      throw new HttpError(
        400,
        `Query "source" is ${JSON.stringify(c.req.query("source"))}, must be one of ${
          Source.options.join(", ")
        }`,
      );
    }
    const sensorQ = c.req.query("sensor") ?? "http";
    const sensor = SensorName.safeParse(sensorQ);
    if (!sensor.success) {
      throw new HttpError(
        400,
        `Query "sensor" is ${JSON.stringify(sensorQ)}: ${sensor.error.issues[0].message}`,
      );
    }
    const length = Number(c.req.header("content-length") ?? 0);
    const maxBody = rt.config.maxBodyBytes ?? MAX_BODY_BYTES;
    if (length > maxBody) {
      throw new HttpError(413, `Body is ${length} bytes; at most ${maxBody} per request`, "too_large");
    }
    const body = await readLimited(c.req.raw, maxBody);
    const lines = body.split("\n");
    if (lines.at(-1) === "") lines.pop();
    const limited = accessOf(rt).sensorLimiter?.take(sensor.data, lines.length);
    if (limited && !limited.ok) {
      c.header("retry-after", String(Math.max(1, Math.ceil(limited.retryAfterMs / 1000))));
      throw new HttpError(429, `Sensor "${sensor.data}" is over its event rate; retry later`, "rate_limited");
    }
    const total: IngestResult = {
      accepted: 0,
      rejected: 0,
      reasons: {},
      skipped: 0,
      duplicate: false,
      latestTs: null,
    };
    // One pipeline batch per MAX_BATCH_EVENTS lines, so commits stay within KV limits.
    for (let i = 0; i < lines.length; i += MAX_BATCH_EVENTS) {
      const chunk = lines.slice(i, i + MAX_BATCH_EVENTS).map((l) => l.endsWith("\r") ? l.slice(0, -1) : l);
      const r = await rt.pipeline.ingest({ sensor: sensor.data, source: source.data, records: chunk });
      total.accepted += r.accepted;
      total.rejected += r.rejected;
      total.skipped += r.skipped;
      for (const [k, n] of Object.entries(r.reasons)) total.reasons[k] = (total.reasons[k] ?? 0) + n;
      if (r.latestTs !== null) rt.sensors.events(sensor.data, r.latestTs);
    }
    return c.json({
      accepted: total.accepted,
      rejected: total.rejected,
      reasons: total.reasons,
      skipped: total.skipped,
    });
  });

  return app;
}

async function readLimited(req: Request, max: number): Promise<string> {
  return new TextDecoder().decode(await readLimitedBytes(req, max));
}

/** A request body, refused (413) as soon as it passes `max` bytes. */
export async function readLimitedBytes(req: Request, max: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.byteLength;
    if (size > max) throw new HttpError(413, `Body is over ${max} bytes`, "too_large");
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const ch of chunks) {
    all.set(ch, off);
    off += ch.byteLength;
  }
  return all;
}

/** One collector connection: hello, then batches acknowledged in order once durable. */
function serveUplink(rt: Runtime, socket: WebSocket, refused: (code: string) => void): void {
  let sensor: string | null = null;
  let grant: IngestGrant | null = null;
  let stopped = false;
  let queue: Promise<void> = Promise.resolve();
  const access = accessOf(rt);
  // An unauthenticated socket costs memory and a file descriptor: it gets a short deadline.
  const helloTimer = setTimeout(() => {
    if (sensor === null && socket.readyState === WebSocket.OPEN) socket.close(4408, "hello timeout");
  }, Math.min(HELLO_TIMEOUT_MS, (rt.config.wsIdleTimeoutS ?? 120) * 1000));
  /** End the connection; frames already queued are not handled (no batch after a refused one). */
  const stop = (code: number, reason: string) => {
    stopped = true;
    if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
  };
  const send = (f: ServerFrame) => {
    if (f.type === "error") refused(f.code);
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(f));
  };

  const handle = async (data: unknown): Promise<void> => {
    if (stopped) return;
    if (typeof data !== "string") {
      send({ type: "error", code: "bad_frame", message: "Frames must be JSON text messages" });
      return;
    }
    const maxFrame = rt.config.maxFrameBytes ?? MAX_FRAME_BYTES;
    if (data.length > maxFrame) {
      send({ type: "error", code: "batch_too_large", message: `Frame is over ${maxFrame} bytes` });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      send({ type: "error", code: "bad_frame", message: "Frame is not JSON" });
      return;
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      const f = json as { type?: unknown; seq?: unknown; events?: unknown };
      const seq = typeof f?.seq === "number" ? f.seq : undefined;
      if (f?.type === "batch" && Array.isArray(f.events) && f.events.length > MAX_BATCH_EVENTS) {
        send({
          type: "error",
          code: "batch_too_large",
          message: `Batch has ${f.events.length} events; at most ${MAX_BATCH_EVENTS}`,
          seq,
        });
        return;
      }
      const issue = parsed.error.issues[0];
      send({
        type: "error",
        code: "bad_frame",
        message: `Invalid frame: field "${issue.path.join(".")}": ${issue.message}`,
        seq,
      });
      return;
    }
    const frame = parsed.data;
    if (frame.type === "hello") {
      const granted = await access.ingest.verify(frame.token, frame.sensor);
      if (!granted) {
        send({ type: "error", code: "unauthorized", message: `Invalid token for sensor "${frame.sensor}"` });
        stop(4401, "unauthorized");
        return;
      }
      grant = granted;
      clearTimeout(helloTimer);
      if (sensor !== null) rt.sensors.disconnected(sensor);
      sensor = frame.sensor;
      rt.sensors.connected(sensor, frame.role);
      send({ type: "welcome", acked: await sensorSeq(rt.kv, sensor) });
      return;
    }
    if (sensor === null) {
      send({ type: "error", code: "hello_required", message: "Send a hello frame first" });
      return;
    }
    if (frame.type === "heartbeat") {
      rt.sensors.heartbeat(sensor, frame);
      return;
    }
    if (grant && !(await access.ingest.stillValid(sensor, grant))) {
      send({
        type: "error",
        code: "unauthorized",
        message: `The token of sensor "${sensor}" was revoked`,
        seq: frame.seq,
      });
      stop(4401, "revoked");
      return;
    }
    const limited = access.sensorLimiter?.take(sensor, frame.events.length);
    if (limited && !limited.ok) {
      // Closing (not skipping) keeps acks in order: the collector reconnects after its backoff
      // and resends from its last ack, so nothing is lost.
      send({
        type: "error",
        code: "rate_limited",
        message: `Sensor "${sensor}" is over its event rate; retry in ${limited.retryAfterMs} ms`,
        seq: frame.seq,
      });
      stop(4429, "rate limited");
      return;
    }
    try {
      const r = await rt.pipeline.ingest({
        sensor,
        source: frame.source,
        seq: frame.seq,
        records: frame.events,
        // Ack once durable; the actors and observers catch up right after (in order).
        wait: "stored",
      });
      if (r.duplicate) {
        send({ type: "ack", seq: frame.seq, accepted: 0, rejected: 0, duplicate: true });
      } else {
        send({ type: "ack", seq: frame.seq, accepted: r.accepted, rejected: r.rejected });
        if (r.latestTs !== null) rt.sensors.events(sensor, r.latestTs);
      }
    } catch (e) {
      log.error("batch not stored", { sensor, seq: frame.seq, error: String(e) });
      send({
        type: "error",
        code: "internal",
        message: "The batch was not stored; resend it",
        seq: frame.seq,
      });
    }
  };

  socket.onmessage = (e) => {
    // Frames of one connection are handled in order, so acks follow the order of batches.
    queue = queue.then(() => handle(e.data)).catch((err) =>
      log.error("uplink frame failed", { error: String(err) })
    );
  };
  socket.onclose = () => {
    clearTimeout(helloTimer);
    queue = queue.then(() => {
      if (sensor !== null) rt.sensors.disconnected(sensor);
    });
  };
  socket.onerror = () => {};
}
