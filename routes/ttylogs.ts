/**
 * Cowrie TTY logs, for session replay with the terminal's own output and timing.
 *
 * - `PUT /api/ttylogs/:sha256?sensor=S[&session=ID&ip=IP]`: a collector (`--ttylog-dir`) ships
 *   one log; ingest token, like `/api/ingest`. The body is the file's bytes; its SHA-256 must
 *   equal the path's, and every record must parse, or nothing is stored (400 with the reason).
 *   201 when stored, 200 when it already was.
 * - `GET /api/ttylogs/:sha256`: the log as replay lines with its facts (read role).
 * - `GET /api/ttylogs/:sha256/raw`: the bytes as shipped, for Cowrie's `playlog` (read role).
 */
import { Hono } from "hono";
import { accessOf } from "../lib/access/mod.ts";
import { bearerToken } from "../lib/auth.ts";
import { HttpError } from "../lib/http_error.ts";
import { normaliseIp } from "../lib/ip.ts";
import type { Runtime } from "../lib/runtime.ts";
import { SensorName } from "../lib/schema.ts";
import { toIso } from "../lib/timestamp.ts";
import { parseTtylog, ttylogLines, ttylogSummary } from "../lib/ttylog.ts";
import {
  getTtylog,
  MAX_TTYLOG_BYTES,
  putTtylog,
  SHA256_RE,
  sha256Hex,
  ttylogMeta,
} from "../lib/ttylog_store.ts";
import { readLimitedBytes } from "./ingest.ts";

const SESSION_RE = /^[\w.:-]{1,64}$/;

function shaParam(raw: string): string {
  const sha = raw.toLowerCase();
  if (!SHA256_RE.test(sha)) {
    throw new HttpError(400, `Path ${JSON.stringify(raw)} is not a SHA-256 in hex (64 characters)`);
  }
  return sha;
}

export function ttylogRoutes(rt: Runtime): Hono {
  const app = new Hono();
  const uploads = rt.ops.metrics.counter(
    "honeywatch_ttylogs_total",
    "TTY log uploads, by result (stored, duplicate, refused)",
    ["result"],
  );

  app.put("/api/ttylogs/:sha256", async (c) => {
    const sensorQ = c.req.query("sensor") ?? "";
    const token = bearerToken(c.req.header("authorization"));
    if (token === null || !(await accessOf(rt).ingest.verify(token, sensorQ || "http"))) {
      uploads.inc({ result: "refused" });
      throw new HttpError(
        401,
        "Uploads need a valid ingest token: Authorization: Bearer TOKEN",
        "unauthorized",
      );
    }
    try {
      const sha = shaParam(c.req.param("sha256"));
      const sensor = SensorName.safeParse(sensorQ);
      if (!sensor.success) {
        throw new HttpError(
          400,
          `Query "sensor" is ${JSON.stringify(sensorQ)}: ${sensor.error.issues[0].message}`,
        );
      }
      const session = c.req.query("session");
      if (session !== undefined && !SESSION_RE.test(session)) {
        throw new HttpError(
          400,
          `Query "session" is ${JSON.stringify(session)}: a Cowrie session id is [A-Za-z0-9_.:-]{1,64}`,
        );
      }
      const ipQ = c.req.query("ip");
      const ip = ipQ === undefined ? undefined : normaliseIp(ipQ);
      if (ip === null) {
        throw new HttpError(400, `Query "ip" is ${JSON.stringify(ipQ)}: not an IPv4 or IPv6 address`);
      }
      const length = Number(c.req.header("content-length") ?? 0);
      if (length > MAX_TTYLOG_BYTES) {
        throw new HttpError(413, `TTY log is ${length} bytes; at most ${MAX_TTYLOG_BYTES}`, "too_large");
      }
      const bytes = await readLimitedBytes(c.req.raw, MAX_TTYLOG_BYTES);
      const actual = await sha256Hex(bytes);
      if (actual !== sha) {
        throw new HttpError(400, `The body's SHA-256 is ${actual}, not the path's ${sha}`, "sha256_mismatch");
      }
      const parsed = parseTtylog(bytes);
      if (!parsed.ok) {
        throw new HttpError(400, `Not a Cowrie TTY log: ${parsed.reason} at byte ${parsed.at}`, "bad_ttylog");
      }
      const { start, durationMs } = ttylogSummary(parsed.records);
      const stored = await putTtylog(rt.kv, bytes, {
        sha256: sha,
        sensor: sensor.data,
        ...(session !== undefined ? { session } : {}),
        ...(ip !== undefined ? { ip } : {}),
        start: Math.round(start),
        durationMs,
        storedAt: rt.clock.now(),
      });
      uploads.inc({ result: stored ? "stored" : "duplicate" });
      return c.json({ sha256: sha, size: bytes.length, stored }, stored ? 201 : 200);
    } catch (e) {
      uploads.inc({ result: "refused" });
      throw e;
    }
  });

  app.get("/api/ttylogs/:sha256", async (c) => {
    const sha = shaParam(c.req.param("sha256"));
    const meta = await ttylogMeta(rt.kv, sha);
    const bytes = meta ? await getTtylog(rt.kv, sha, meta) : null;
    if (!meta || !bytes) throw new HttpError(404, `No TTY log ${sha} is stored`, "not_found");
    const parsed = parseTtylog(bytes);
    if (!parsed.ok) throw new HttpError(500, `Stored TTY log ${sha} no longer parses: ${parsed.reason}`);
    const s = ttylogSummary(parsed.records);
    return c.json({
      sha256: sha,
      size: meta.size,
      sensor: meta.sensor,
      ...(meta.session !== undefined ? { session: meta.session } : {}),
      ...(meta.ip !== undefined ? { ip: meta.ip } : {}),
      start: toIso(Math.round(s.start)),
      durationMs: s.durationMs,
      inputBytes: s.inputBytes,
      outputBytes: s.outputBytes,
      lines: ttylogLines(parsed.records),
    });
  });

  app.get("/api/ttylogs/:sha256/raw", async (c) => {
    const sha = shaParam(c.req.param("sha256"));
    const bytes = await getTtylog(rt.kv, sha);
    if (!bytes) throw new HttpError(404, `No TTY log ${sha} is stored`, "not_found");
    return new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": "application/octet-stream",
        "content-disposition": `attachment; filename="${sha}"`,
      },
    });
  });
  return app;
}
