/**
 * `/anomalies`: the searchable, filterable, paginated history. The filters are a plain GET
 * form (works without JS); each row can be marked a true or false positive.
 */
import { Hono } from "hono";
import { keys } from "../actors/keys.ts";
import { Time } from "../components/Time.tsx";
import { FeedbackButtons } from "../islands/FeedbackButtons.tsx";
import { registry } from "../lib/detectors/mod.ts";
import { withFeedback } from "../lib/feedback.ts";
import { Island } from "../lib/island.tsx";
import { normaliseIp } from "../lib/ip.ts";
import { page } from "../lib/paging.ts";
import type { Runtime } from "../lib/runtime.ts";
import { type Anomaly, SEVERITIES, Severity, severityRank } from "../lib/schema.ts";
import { Layout } from "./_layout.tsx";
import { html, pageError } from "./_page.tsx";
import { RANGES } from "./index.tsx";
import { parseDuration } from "../lib/duration.ts";

const PAGE_SIZE = 50;

/** Does `a` contain `q` (case-insensitive) in its id, type, IP, sensor or reason? */
function matchesText(a: Anomaly, q: string): boolean {
  const hay = `${a.id}\n${a.type}\n${a.ip}\n${a.sensor ?? ""}\n${a.reason}`.toLowerCase();
  return hay.includes(q);
}

export function anomaliesRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.onError(pageError);
  app.get("/anomalies", async (c) => {
    const q = c.req.query();
    const text = (q.q ?? "").trim().slice(0, 200);
    const type = q.type ?? "";
    const sev = Severity.safeParse(q.minSeverity);
    const minSeverity = sev.success ? sev.data : undefined;
    const range = q.range && q.range in RANGES ? q.range : "";
    const since = range ? rt.clock.now() - parseDuration(range)! : 0;
    const ip = text ? normaliseIp(text) : null;
    const prefix = ip ? keys.anomalyByIpPrefix(ip) : keys.anomalyByTsPrefix();
    const needle = text.toLowerCase();
    const min = minSeverity ? severityRank(minSeverity) : 0;
    const result = await page<Anomaly>(
      rt.kv,
      { start: [...prefix, since], end: [...prefix, 8.64e15] },
      PAGE_SIZE,
      q.cursor || undefined,
      (a) =>
        (!type || a.type === type) && severityRank(a.severity) >= min && (ip !== null || !needle ||
          matchesText(a, needle)),
    );
    const items = await withFeedback(rt.kv, result.items);
    const types = [...new Set([...Object.keys(registry), type].filter(Boolean))].sort();
    const next = new URLSearchParams({
      ...(text && { q: text }),
      ...(type && { type }),
      ...(range && { range }),
    });
    if (minSeverity) next.set("minSeverity", minSeverity);
    const firstPage = `/anomalies?${next}`;
    if (result.cursor) next.set("cursor", result.cursor);

    return html(
      c,
      <Layout title="Anomalies" current="/anomalies">
        <h1>Anomalies</h1>
        <form class="filters card" method="get" action="/anomalies" role="search">
          <label>
            Search
            <input
              type="search"
              name="q"
              value={text}
              placeholder="IP, type, sensor or words of the reason"
            />
          </label>
          <label>
            Type
            <select name="type">
              <option value="">all</option>
              {types.map((t) => (
                <option key={t} value={t} selected={t === type}>{t.replaceAll("_", " ")}</option>
              ))}
            </select>
          </label>
          <label>
            Severity
            <select name="minSeverity">
              <option value="">any</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s} selected={s === minSeverity}>{s} and up</option>
              ))}
            </select>
          </label>
          <label>
            Raised
            <select name="range">
              <option value="">any time</option>
              {Object.keys(RANGES).map((r) => (
                <option key={r} value={r} selected={r === range}>last {r}</option>
              ))}
            </select>
          </label>
          <button type="submit" class="btn">Filter</button>
        </form>
        {items.length === 0 ? <p class="empty">No anomaly matches.</p> : (
          <div class="table-wrap">
            <table class="history">
              <thead>
                <tr>
                  <th scope="col">Raised</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Type</th>
                  <th scope="col">Source</th>
                  <th scope="col">Reason</th>
                  <th scope="col" class="num">Score</th>
                  <th scope="col">Feedback</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a, i) => (
                  <tr key={a.id} data-id={a.id} class={`sev-${a.severity}`}>
                    <td>
                      <Time iso={a.ts} />
                    </td>
                    <td class="sev">{a.severity}</td>
                    <td>{a.type.replaceAll("_", " ")}</td>
                    <td>
                      {a.ip === "*"
                        ? <span class="muted">global</span>
                        : <a class="mono" href={`/ip/${encodeURIComponent(a.ip)}`}>{a.ip}</a>}
                      {a.sensor && <span class="muted">{` · ${a.sensor}`}</span>}
                    </td>
                    <td class="reason">{a.reason}</td>
                    <td class="num score">{a.score}</td>
                    <td>
                      <Island
                        name="FeedbackButtons"
                        id={`fb-${i}`}
                        component={FeedbackButtons}
                        props={{ anomalyId: a.id, label: a.feedback ?? null }}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav class="pager" aria-label="Pages">
          {q.cursor && <a class="btn" href={firstPage}>Newest</a>}
          {result.cursor && <a class="btn" href={`/anomalies?${next}`} rel="next">Older</a>}
        </nav>
      </Layout>,
    );
  });
  return app;
}
