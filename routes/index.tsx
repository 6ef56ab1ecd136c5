/**
 * The dashboard `/`: counters, the live anomaly feed, events per minute by kind, anomaly
 * scores over time, top values over a chosen range (`?range=`), and sensor status. Every
 * part is rendered on the server; islands keep them live.
 */
import { Hono } from "hono";
import { renderToString } from "preact-render-to-string";
import { TopList } from "../components/TopList.tsx";
import { AnomalyFeed } from "../islands/AnomalyFeed.tsx";
import { Counters } from "../islands/Counters.tsx";
import { EventsChart } from "../islands/EventsChart.tsx";
import { ScoreTimeline } from "../islands/ScoreTimeline.tsx";
import { SensorTable } from "../islands/SensorTable.tsx";
import { listAnomalies } from "../lib/anomaly_store.ts";
import { parseDuration } from "../lib/duration.ts";
import { withFeedback } from "../lib/feedback.ts";
import { Island } from "../lib/island.tsx";
import type { Runtime } from "../lib/runtime.ts";
import { summary, timeline, topValues } from "../lib/stats_query.ts";
import { Layout } from "./_layout.tsx";

/** Ranges offered for the chart and the top lists, with the chart's bucket for each. */
export const RANGES: Record<string, string> = {
  "15m": "1m",
  "1h": "1m",
  "6h": "5m",
  "24h": "15m",
  "7d": "2h",
};

const TOPS = [
  { field: "ip", title: "Source IPs" },
  { field: "username", title: "Usernames" },
  { field: "password", title: "Passwords" },
  { field: "command", title: "Commands" },
  { field: "url", title: "Download URLs" },
] as const;

export function indexRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const asked = c.req.query("range") ?? "1h";
    const range = asked in RANGES ? asked : "1h";
    const bucket = RANGES[range];
    const now = rt.clock.now();
    const since = now - parseDuration(range)!;
    const [latest, counts, events, scores, sensors, ...tops] = await Promise.all([
      listAnomalies(rt.kv, { limit: 50 }),
      summary(rt.kv, rt.clock, rt.meter),
      timeline(rt.kv, since, now, parseDuration(bucket)!),
      // Until now: a sensor whose clock runs ahead must not put "future" points on a "last 1h" chart.
      listAnomalies(rt.kv, { since, until: now, limit: 500 }),
      rt.sensors.list(),
      ...TOPS.map((t) => topValues(rt.kv, t.field, since, now, 10)),
    ]);
    const html = renderToString(
      <Layout title="Live" current="/">
        <h1 class="visually-hidden">Dashboard</h1>
        <Island name="Counters" id="counters" component={Counters} props={{ initial: counts }} />
        <div class="dash">
          <div class="dash-feed">
            <Island
              name="AnomalyFeed"
              id="feed"
              component={AnomalyFeed}
              props={{ initial: await withFeedback(rt.kv, latest.items), streamUrl: "/api/stream" }}
            />
          </div>
          <div class="dash-charts">
            <form class="range" method="get" action="/">
              <label>
                Range{" "}
                <select name="range">
                  {Object.keys(RANGES).map((r) => (
                    <option key={r} value={r} selected={r === range}>last {r}</option>
                  ))}
                </select>
              </label>
              <button type="submit" class="btn">Show</button>
            </form>
            <Island
              name="EventsChart"
              id="events-chart"
              component={EventsChart}
              props={{ initial: events, since: range, bucket }}
            />
            <Island
              name="ScoreTimeline"
              id="score-timeline"
              component={ScoreTimeline}
              props={{ initial: scores.items, since: range, title: `Anomaly scores, last ${range}` }}
            />
          </div>
        </div>
        <h2>Top values, last {range}</h2>
        <div class="tops">
          {TOPS.map((t, i) => (
            <TopList
              key={t.field}
              title={t.title}
              field={t.field}
              items={tops[i].items}
              href={t.field === "ip" ? (v) => `/ip/${encodeURIComponent(v)}` : undefined}
            />
          ))}
        </div>
        <section class="card" aria-labelledby="sensors-title">
          <div class="card-head">
            <h2 id="sensors-title">Sensors</h2>
            <a href="/sensors">details</a>
          </div>
          <Island name="SensorTable" id="sensor-table" component={SensorTable} props={{ initial: sensors }} />
        </section>
      </Layout>,
    );
    return c.html("<!DOCTYPE html>" + html);
  });
  return app;
}
