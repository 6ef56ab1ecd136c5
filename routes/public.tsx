/**
 * The public view (`--public-view`): a redacted dashboard for sharing, open even when
 * `--ui-token` is set. Source IPs are truncated to /24 or /48, passwords masked, anomaly
 * reasons (which may quote attacker input) left out; nothing links to the full pages.
 */
import { Hono } from "hono";
import { TopList } from "../components/TopList.tsx";
import { Time } from "../components/Time.tsx";
import { Counters } from "../islands/Counters.tsx";
import { EventsChart } from "../islands/EventsChart.tsx";
import { listAnomalies } from "../lib/anomaly_store.ts";
import { parseDuration } from "../lib/duration.ts";
import { Island } from "../lib/island.tsx";
import { maskPassword, truncateIp } from "../lib/redact.ts";
import type { Runtime } from "../lib/runtime.ts";
import { summary, timeline, topValues } from "../lib/stats_query.ts";
import { Layout } from "./_layout.tsx";
import { html } from "./_page.tsx";
import { RANGES } from "./index.tsx";
import { range } from "./stats.ts";
import { HttpError } from "../lib/http_error.ts";

/** Merge counts of values that redact to the same text, most frequent first. */
export function redactTop(
  items: { value: string; count: number }[],
  redact: (v: string) => string,
  limit = 10,
): { value: string; count: number }[] {
  const m = new Map<string, number>();
  for (const it of items) {
    const k = redact(it.value);
    m.set(k, (m.get(k) ?? 0) + it.count);
  }
  return [...m].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([value, count]) => ({ value, count }));
}

export function publicRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.use("/public/*", async (_c, next) => {
    if (!rt.config.publicView) {
      throw new HttpError(404, "The public view is off (--public-view)", "not_found");
    }
    await next();
  });
  app.use("/public", async (_c, next) => {
    if (!rt.config.publicView) {
      throw new HttpError(404, "The public view is off (--public-view)", "not_found");
    }
    await next();
  });

  app.get("/public/api/stats/timeline", async (c) => {
    const q = c.req.query();
    const { since, until } = range(q, rt.clock.now());
    const bucket = parseDuration(q.bucket ?? "1m");
    if (bucket === null || bucket < 60_000 || bucket % 60_000 !== 0 || (until - since) / bucket > 1440) {
      throw new HttpError(
        400,
        `Query "bucket" is ${JSON.stringify(q.bucket)}: whole minutes, at most 1440 buckets`,
      );
    }
    return c.json(await timeline(rt.kv, since, until, bucket));
  });

  app.get("/public", async (c) => {
    const range = "24h";
    const bucket = RANGES[range];
    const now = rt.clock.now();
    const since = now - parseDuration(range)!;
    const [counts, events, recent, ips, users, passwords, commands, urls] = await Promise.all([
      summary(rt.kv, rt.clock, rt.meter),
      timeline(rt.kv, since, now, parseDuration(bucket)!),
      listAnomalies(rt.kv, { since, limit: 30 }),
      topValues(rt.kv, "ip", since, now, 100),
      topValues(rt.kv, "username", since, now, 10),
      topValues(rt.kv, "password", since, now, 10),
      topValues(rt.kv, "command", since, now, 10),
      topValues(rt.kv, "url", since, now, 10),
    ]);
    return html(
      c,
      <Layout title="Public view">
        <h1>Honeypot activity, last {range}</h1>
        <p class="muted">
          A redacted view for sharing: source networks instead of addresses, passwords masked.
        </p>
        <Counters initial={counts} />
        <Island
          name="EventsChart"
          id="public-events"
          component={EventsChart}
          props={{ initial: events, since: range, bucket, endpoint: "/public/api/stats/timeline" }}
        />
        <div class="tops">
          <TopList title="Source networks" field="ip" items={redactTop(ips.items, truncateIp)} />
          <TopList title="Usernames" field="username" items={users.items} />
          <TopList
            title="Passwords (masked)"
            field="password"
            items={redactTop(passwords.items, maskPassword)}
          />
          <TopList title="Commands" field="command" items={commands.items} />
          <TopList title="Download URLs" field="url" items={urls.items} />
        </div>
        <section class="card" aria-labelledby="public-anomalies">
          <h2 id="public-anomalies">Recent anomalies</h2>
          {recent.items.length === 0 ? <p class="empty">None in this range.</p> : (
            <div class="table-wrap">
              <table class="history">
                <thead>
                  <tr>
                    <th scope="col">Raised</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Type</th>
                    <th scope="col">Source network</th>
                    <th scope="col" class="num">Score</th>
                  </tr>
                </thead>
                <tbody>
                  {recent.items.map((a) => (
                    <tr key={a.id} class={`sev-${a.severity}`}>
                      <td>
                        <Time iso={a.ts} />
                      </td>
                      <td class="sev">{a.severity}</td>
                      <td>{a.type.replaceAll("_", " ")}</td>
                      <td class="mono">{truncateIp(a.ip)}</td>
                      <td class="num score">{a.score}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </Layout>,
    );
  });
  return app;
}
