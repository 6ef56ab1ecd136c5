/**
 * Aggregates for the dashboard, from the per-minute KV aggregates (`lib/stats.ts`):
 * `GET /api/stats/timeline`, `GET /api/stats/top`, `GET /api/stats/summary`.
 */
import { Hono } from "hono";
import { parseDuration } from "../lib/duration.ts";
import { HttpError } from "../lib/http_error.ts";
import type { Runtime } from "../lib/runtime.ts";
import { HOUR, MINUTE, TOP_FIELDS, type TopField } from "../lib/stats.ts";
import { MAX_BUCKETS, summary, timeline, topValues } from "../lib/stats_query.ts";
import { parseTimestamp } from "../lib/timestamp.ts";

/** A time bound: ISO 8601, epoch milliseconds, or a duration before now ("1h"). */
export function rangeParam(name: string, v: string | undefined, now: number): number | undefined {
  if (v === undefined || v === "") return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : parseTimestamp(v) ?? agoOf(v, now);
  if (ms === null || !Number.isFinite(ms)) {
    throw new HttpError(
      400,
      `Query "${name}" is ${
        JSON.stringify(v)
      }, must be an ISO 8601 time, epoch milliseconds or a duration such as "1h" (before now)`,
    );
  }
  return ms;
}

function agoOf(v: string, now: number): number | null {
  const d = parseDuration(v);
  return d === null ? null : now - d;
}

/** `since`/`until` of a stats query; default: the last hour. */
export function range(q: Record<string, string>, now: number): { since: number; until: number } {
  const until = rangeParam("until", q.until, now) ?? now;
  const since = rangeParam("since", q.since, now) ?? until - HOUR;
  if (since >= until) {
    throw new HttpError(
      400,
      `Query "since" (${new Date(since).toISOString()}) must be before "until" (${
        new Date(until).toISOString()
      })`,
    );
  }
  return { since, until };
}

export function statsRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.get("/api/stats/timeline", async (c) => {
    const q = c.req.query();
    const { since, until } = range(q, rt.clock.now());
    const bucket = q.bucket ? parseDuration(q.bucket) : MINUTE;
    if (bucket === null || bucket < MINUTE || bucket % MINUTE !== 0) {
      throw new HttpError(
        400,
        `Query "bucket" is ${
          JSON.stringify(q.bucket)
        }, must be a whole number of minutes such as "1m", "5m" or "1h"`,
      );
    }
    if ((until - since) / bucket > MAX_BUCKETS) {
      throw new HttpError(
        400,
        `Range over ${MAX_BUCKETS} buckets of ${q.bucket ?? "1m"}: use a larger "bucket" or a shorter range`,
      );
    }
    return c.json(await timeline(rt.kv, since, until, bucket));
  });

  app.get("/api/stats/top", async (c) => {
    const q = c.req.query();
    const field = q.field as TopField;
    if (!TOP_FIELDS.includes(field)) {
      throw new HttpError(
        400,
        `Query "field" is ${JSON.stringify(q.field ?? "")}, must be one of ${TOP_FIELDS.join(", ")}`,
      );
    }
    const limit = q.limit === undefined || q.limit === "" ? 10 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new HttpError(
        400,
        `Query "limit" is ${JSON.stringify(q.limit)}, must be an integer from 1 to 100`,
      );
    }
    const { since, until } = range(q, rt.clock.now());
    return c.json(await topValues(rt.kv, field, since, until, limit));
  });

  app.get("/api/stats/summary", async (c) => c.json(await summary(rt.kv, rt.clock, rt.meter)));

  return app;
}
