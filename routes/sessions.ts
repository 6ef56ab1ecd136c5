/**
 * `GET /api/sessions/:session?ip=IP`: one Cowrie session's stored events and its replay lines,
 * plus the lines of its TTY log when a collector shipped it (`ttylog`).
 * Events are indexed by source IP, so the IP is required; the newest 5000 events of the IP
 * are searched.
 */
import { Hono } from "hono";
import "./_insight_openapi.ts";
import { scanEvents } from "../lib/event_log.ts";
import { HttpError } from "../lib/http_error.ts";
import { normaliseIp } from "../lib/ip.ts";
import type { Runtime } from "../lib/runtime.ts";
import type { NormalisedEvent } from "../lib/schema.ts";
import { replayLines } from "../lib/session_replay.ts";
import { toIso } from "../lib/timestamp.ts";
import { sessionTtylogs } from "../lib/ttylog_store.ts";

const SCAN = 5000;

export function sessionsRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.get("/api/sessions/:session", async (c) => {
    const session = c.req.param("session");
    const raw = c.req.query("ip") ?? "";
    const ip = normaliseIp(raw);
    if (ip === null) {
      throw new HttpError(
        400,
        `Query "ip" is ${JSON.stringify(raw)}, must be the session's source IPv4 or IPv6 address`,
      );
    }
    const events: NormalisedEvent[] = [];
    let scanned = 0;
    for await (const e of scanEvents(rt.kv, { ip })) {
      if (e.session === session) events.push(e);
      if (++scanned >= SCAN) break;
    }
    if (events.length === 0) {
      throw new HttpError(
        404,
        `No events of session ${JSON.stringify(session)} from ${ip} are stored`,
        "not_found",
      );
    }
    events.reverse();
    const tty = (await sessionTtylogs(rt.kv, events, 5000)).get(session);
    return c.json({
      session,
      ip,
      sensor: events[0].sensor,
      start: toIso(events[0].ts),
      end: toIso(events[events.length - 1].ts),
      events,
      lines: replayLines(events),
      ...(tty ? { ttylog: tty } : {}),
    });
  });
  return app;
}
