/**
 * `/explore`: the exploratory report of `deno task eda` over stored events of a chosen time
 * range (`since`, `until`: ISO 8601, epoch ms, or a duration before now such as `24h`; at most
 * 50,000 events, the newest of the range), rendered with the same components and charts island.
 */
import { Hono } from "hono";
import { renderToString } from "preact-render-to-string";
import { EdaReport } from "../components/EdaReport.tsx";
import { parseDuration } from "../lib/duration.ts";
import { analyze } from "../lib/eda/analyze.ts";
import { newestEvents } from "../lib/event_log.ts";
import { HttpError } from "../lib/http_error.ts";
import type { Runtime } from "../lib/runtime.ts";
import type { NormalisedEvent } from "../lib/schema.ts";
import { parseTimestamp, toIso } from "../lib/timestamp.ts";
import { Layout } from "./_layout.tsx";

/** Most events one page analyses (the newest of the range). */
export const EXPLORE_MAX_EVENTS = 50_000;

/** A bound: ISO 8601, epoch ms, or a duration before `now`. */
function bound(name: string, v: string | undefined, now: number, def: number): number {
  if (v === undefined || v === "") return def;
  if (/^\d{10,}$/.test(v)) return Number(v);
  const d = parseDuration(v);
  if (d !== null) return now - d;
  const t = parseTimestamp(v);
  if (t === null) {
    throw new HttpError(
      400,
      `Query "${name}" is ${
        JSON.stringify(v)
      }, must be an ISO 8601 time, epoch milliseconds or a duration such as "24h"`,
    );
  }
  return t;
}

/** The newest `max` stored events with `since <= ts <= until`, in time order. */
export function readRange(
  kv: Deno.Kv,
  since: number,
  until: number,
  max: number,
): Promise<{ events: NormalisedEvent[]; truncated: boolean }> {
  return newestEvents(kv, { since, until }, max);
}

export function exploreRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.get("/explore", async (c) => {
    const now = rt.clock.now();
    const q = c.req.query();
    const since = bound("since", q.since, now, now - 86_400_000);
    const until = bound("until", q.until, now, now);
    if (since > until) {
      throw new HttpError(400, `Query "since" (${toIso(since)}) is after "until" (${toIso(until)})`);
    }
    const { events, truncated } = await readRange(rt.kv, since, until, EXPLORE_MAX_EVENTS);
    const perSensor = new Map<string, number>();
    for (const e of events) perSensor.set(e.sensor, (perSensor.get(e.sensor) ?? 0) + 1);
    const data = analyze(events, {
      title: `Stored events ${toIso(since)} – ${toIso(until)}`,
      inputs: [...perSensor.keys()],
      detectors: rt.config.detectors,
      quality: {
        records: events.length,
        skipped: 0,
        rejected: {},
        outOfOrder: 0,
        perInput: [...perSensor].map(([value, count]) => ({ value: `sensor ${value}`, count })),
      },
    });
    const html = renderToString(
      <Layout title="Explore" current="/explore">
        <h1>Explore</h1>
        <form class="explore-range" method="get" action="/explore">
          <label>
            Since <input name="since" value={q.since ?? "24h"} placeholder="24h or 2026-11-25T00:00:00Z" />
          </label>
          <label>
            Until <input name="until" value={q.until ?? ""} placeholder="now" />
          </label>
          <button class="btn" type="submit">Analyse</button>
          <span class="muted">
            <a href="/explore?since=1h">1h</a> · <a href="/explore?since=24h">24h</a> ·{" "}
            <a href="/explore?since=7d">7d</a>
          </span>
        </form>
        <p class="muted" data-range={`${toIso(since)}/${toIso(until)}`}>
          {events.length} stored events from {toIso(since)} to {toIso(until)}
          {truncated && ` (the newest ${EXPLORE_MAX_EVENTS}; narrow the range to see the rest)`}. Rejected
          records are counted at ingest: see the data-quality page. Offline reports of log files:{" "}
          <code>deno task eda -- FILE... --out report.html</code>.
        </p>
        <EdaReport data={data} ipHref={(ip) => `/ip/${encodeURIComponent(ip)}`} />
      </Layout>,
    );
    return c.html("<!DOCTYPE html>" + html);
  });
  return app;
}
