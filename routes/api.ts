/** REST: health, anomalies, events, actors, sensors. Lists page with `cursor`, newest first. */
import { Hono } from "hono";
import { z } from "zod";
import { actorFeatures, publicAnomaly } from "../actors/actor.ts";
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import { listAnomalies } from "../lib/anomaly_store.ts";
import { pageEvents } from "../lib/event_log.ts";
import { HttpError } from "../lib/http_error.ts";
import { normaliseIp } from "../lib/ip.ts";
import type { Runtime } from "../lib/runtime.ts";
import { Severity } from "../lib/schema.ts";
import { parseTimestamp, toIso } from "../lib/timestamp.ts";

const Limit = z.coerce.number().int().min(1).max(1000).default(100);

/** A time bound: ISO 8601 or epoch milliseconds. */
export function timeParam(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : parseTimestamp(v);
  if (ms === null || !Number.isFinite(ms)) {
    throw new HttpError(
      400,
      `Query "${name}" is ${JSON.stringify(v)}, must be an ISO 8601 time or epoch milliseconds`,
    );
  }
  return ms;
}

export function ipParam(name: string, v: string | undefined): string | undefined {
  if (v === undefined || v === "") return undefined;
  const ip = normaliseIp(v);
  if (ip === null) {
    throw new HttpError(400, `Query "${name}" is ${JSON.stringify(v)}, must be an IPv4 or IPv6 address`);
  }
  return ip;
}

function limitParam(v: string | undefined): number {
  const r = Limit.safeParse(v === "" ? undefined : v);
  if (!r.success) {
    throw new HttpError(400, `Query "limit" is ${JSON.stringify(v)}, must be an integer from 1 to 1000`);
  }
  return r.data;
}

export function severityParam(v: string | undefined): Severity | undefined {
  if (v === undefined || v === "") return undefined;
  const r = Severity.safeParse(v);
  if (!r.success) {
    throw new HttpError(
      400,
      `Query "minSeverity" is ${JSON.stringify(v)}, must be one of ${Severity.options.join(", ")}`,
    );
  }
  return r.data;
}

export function apiRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.get("/api/health", async (c) => {
    let kv = "ok";
    try {
      await retryLocked(() => rt.kv.get(keys.instance(rt.instance)));
    } catch {
      kv = "error";
    }
    return c.json(
      {
        status: kv === "ok" ? "ok" : "degraded",
        kv,
        instance: rt.instance,
        uptimeS: Math.round((rt.clock.now() - rt.startedAt) / 1000),
        actorsInMemory: rt.actors.size,
        subscribers: rt.hub.subscribers,
        ingest: rt.pipeline.stats,
      },
      kv === "ok" ? 200 : 503,
    );
  });

  app.get("/api/anomalies", async (c) => {
    const q = c.req.query();
    const result = await listAnomalies(rt.kv, {
      ip: ipParam("ip", q.ip),
      type: q.type || undefined,
      minSeverity: severityParam(q.minSeverity),
      since: timeParam("since", q.since),
      until: timeParam("until", q.until),
      limit: limitParam(q.limit),
      cursor: q.cursor || undefined,
    });
    return c.json(result);
  });

  app.get("/api/events", async (c) => {
    const q = c.req.query();
    const result = await pageEvents(
      rt.kv,
      {
        ip: ipParam("ip", q.ip),
        since: timeParam("since", q.since),
        until: timeParam("until", q.until),
        filter: q.kind ? (e) => e.kind === q.kind : undefined,
      },
      limitParam(q.limit),
      q.cursor || undefined,
    );
    return c.json(result);
  });

  app.get("/api/actors/:ip", async (c) => {
    const raw = c.req.param("ip");
    const ip = normaliseIp(raw);
    if (ip === null) throw new HttpError(400, `${JSON.stringify(raw)} is not an IPv4 or IPv6 address`);
    const s = await rt.actors.get(ip);
    if (!s) throw new HttpError(404, `No actor for ${ip}: no events from it are stored`, "not_found");
    return c.json({
      ip: s.ip,
      firstSeen: toIso(s.firstSeen),
      lastSeen: toIso(s.lastSeen),
      events: s.events,
      kinds: s.kinds,
      sensors: s.sensors,
      /** Window features at the actor's latest event time. */
      features: actorFeatures(s, s.lastSeen),
      openAnomalies: Object.values(s.open).map(publicAnomaly),
      recent: s.recent.map((e) => ({ ...e, ts: toIso(e.ts) })),
      /** GeoIP/ASN, reputation lists, provider answers; absent when enrichment is off. */
      enrichment: await rt.enricher.full(ip),
    });
  });

  app.get("/api/sensors", async (c) => c.json({ items: await rt.sensors.list() }));

  return app;
}
