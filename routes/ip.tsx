/**
 * The attacker page `/ip/:ip`: first/last seen, sensors, enrichment, window features, scores over time,
 * every anomaly with its explanation and evidence, sessions as transcripts from the IP's
 * stored events (the range `/api/events?ip=` reads), and related IPs.
 */
import { Hono } from "hono";
import { actorFeatures } from "../actors/actor.ts";
import { EnrichmentFacts } from "../components/EnrichmentFacts.tsx";
import { Time } from "../components/Time.tsx";
import { sessionsOf, Transcript } from "../components/Transcript.tsx";
import { FeedbackButtons } from "../islands/FeedbackButtons.tsx";
import { ScoreTimeline } from "../islands/ScoreTimeline.tsx";
import { SessionReplay } from "../islands/SessionReplay.tsx";
import { replaySessions } from "../lib/session_replay.ts";
import { listAnomalies } from "../lib/anomaly_store.ts";
import { pageEvents } from "../lib/event_log.ts";
import { withFeedback } from "../lib/feedback.ts";
import { formatCount } from "../lib/format.ts";
import { Island } from "../lib/island.tsx";
import { normaliseIp } from "../lib/ip.ts";
import type { Runtime } from "../lib/runtime.ts";
import { type RelatedIp, relatedIps } from "../lib/stats_query.ts";
import { toIso } from "../lib/timestamp.ts";
import { sessionTtylogs } from "../lib/ttylog_store.ts";
import { Layout } from "./_layout.tsx";
import { errorPage, html, pageError } from "./_page.tsx";

/** Events read for the transcripts per page. */
const EVENTS_PER_PAGE = 500;
/** Larger TTY logs are not read for the page (their session replays from its events). */
const PAGE_TTYLOG_BYTES = 1024 * 1024;

export function ipRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.onError(pageError);
  app.get("/ip/:ip", async (c) => {
    const raw = c.req.param("ip");
    const ip = normaliseIp(raw);
    if (ip === null) {
      return errorPage(c, 400, "Not an IP address", `${JSON.stringify(raw)} is not an IPv4 or IPv6 address.`);
    }
    const cursor = c.req.query("cursor") || undefined;
    const [actor, events, anomalies, enrichment] = await Promise.all([
      rt.actors.get(ip),
      pageEvents(rt.kv, { ip }, EVENTS_PER_PAGE, cursor),
      listAnomalies(rt.kv, { ip, limit: 200 }),
      rt.enricher.full(ip),
    ]);
    if (!actor && events.items.length === 0) {
      return errorPage(c, 404, "Unknown source", `No event from ${ip} is stored.`);
    }
    const labelled = await withFeedback(rt.kv, anomalies.items);
    const creds = new Map<string, [string, string]>();
    const clients = new Set<string>();
    for (const e of events.items) {
      if (e.username !== undefined && e.password !== undefined) {
        creds.set(`${e.username}\u0000${e.password}`, [e.username, e.password]);
      }
      if (e.hassh) clients.add(e.hassh);
      else if (e.client) clients.add(e.client);
    }
    // A session whose TTY log was shipped replays the terminal itself; the rest, their events.
    const replayed = replaySessions(events.items);
    const replayIds = new Set(replayed.map((s) => s.id));
    const [related, ttylogs] = await Promise.all([
      relatedIps(rt.kv, ip, [...creds.values()], [...clients]),
      sessionTtylogs(
        rt.kv,
        events.items.filter((e) => e.session !== undefined && replayIds.has(e.session)),
        1000,
        PAGE_TTYLOG_BYTES,
      ),
    ]);
    const replays = replayed.map((s) => {
      const tty = ttylogs.get(s.id);
      return tty ? { ...s, lines: tty.lines, durationMs: tty.durationMs, ttylog: tty.sha256 } : s;
    });
    const sessions = sessionsOf(events.items);
    const campaign = rt.campaigns.campaignOf(ip);
    const shownIds = new Set(events.items.map((e) => e.id));
    const features = actor ? actorFeatures(actor, actor.lastSeen) : null;
    const first = actor ? actor.firstSeen : Math.min(...events.items.map((e) => e.ts));
    const last = actor ? actor.lastSeen : Math.max(...events.items.map((e) => e.ts));

    return html(
      c,
      <Layout title={ip}>
        <h1>
          Source <span class="mono">{ip}</span>
        </h1>
        <dl class="facts">
          <div>
            <dt>First seen</dt>
            <dd>
              <Time iso={toIso(first)} />
            </dd>
          </div>
          <div>
            <dt>Last seen</dt>
            <dd>
              <Time iso={toIso(last)} />
            </dd>
          </div>
          <div>
            <dt>Events</dt>
            <dd>{formatCount(actor?.events ?? events.items.length)}</dd>
          </div>
          <div>
            <dt>Sensors</dt>
            <dd>{(actor?.sensors ?? [...new Set(events.items.map((e) => e.sensor))]).join(", ")}</dd>
          </div>
          <div>
            <dt>Anomalies</dt>
            <dd>{formatCount(labelled.length)}</dd>
          </div>
          <div>
            <dt>Campaign</dt>
            <dd data-campaign={campaign ?? ""}>
              {campaign ? <a href={`/campaigns/${encodeURIComponent(campaign)}`}>{campaign}</a> : "none"}
            </dd>
          </div>
        </dl>
        <EnrichmentFacts enrichment={enrichment} />

        <div class="ip-grid">
          <section class="card" aria-labelledby="features-title">
            <h2 id="features-title">Window features</h2>
            {features
              ? (
                <table class="kv">
                  <tbody>
                    {Object.entries(features).map(([k, v]) => (
                      <tr key={k}>
                        <th scope="row">{k.replaceAll("_", " ")}</th>
                        <td class="num">{formatCount(v)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
              : <p class="empty">No actor state is kept for this source any more.</p>}
          </section>
          <Island
            name="ScoreTimeline"
            id="ip-scores"
            component={ScoreTimeline}
            props={{ initial: labelled, ip, title: "Scores over time, by detector" }}
          />
        </div>

        <section aria-labelledby="anomalies-title">
          <h2 id="anomalies-title">Anomalies</h2>
          {labelled.length === 0
            ? <p class="empty">No anomaly was raised for this source.</p>
            : labelled.map((a, i) => (
              <article key={a.id} class={`card anomaly-detail sev-${a.severity}`} data-id={a.id}>
                <header class="card-head">
                  <span class="sev">{a.severity}</span>
                  <h3>{a.type.replaceAll("_", " ")}</h3>
                  <span class="muted">score {a.score} · {a.detector}</span>
                </header>
                <p class="reason">{a.reason}</p>
                <p class="muted">
                  Raised <Time iso={a.ts} />, last updated <Time iso={a.lastTs} /> · window {a.window.label}
                  {" "}
                  · value {a.value} against threshold {a.threshold} · {a.updates} updates
                </p>
                <details>
                  <summary>Features and evidence ({a.evidence.length} events)</summary>
                  <table class="kv">
                    <tbody>
                      {Object.entries(a.features).map(([k, v]) => (
                        <tr key={k}>
                          <th scope="row">{k.replaceAll("_", " ")}</th>
                          <td class="num">{formatCount(v)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <ul class="evidence">
                    {a.evidence.map((id) => (
                      <li key={id}>
                        {shownIds.has(id) ? <a href={`#ev-${id}`}>{id}</a> : <code>{id}</code>}
                      </li>
                    ))}
                  </ul>
                </details>
                <Island
                  name="FeedbackButtons"
                  id={`fb-${i}`}
                  component={FeedbackButtons}
                  props={{ anomalyId: a.id, label: a.feedback ?? null }}
                />
              </article>
            ))}
        </section>

        <section aria-labelledby="related-title">
          <h2 id="related-title">Related sources</h2>
          {related.length === 0
            ? <p class="empty">No other source used the same credentials or client.</p>
            : (
              <ul class="related">
                {groupRelated(related).map((g) => (
                  <li key={g.via + g.value}>
                    {`same ${g.via} `}
                    <code>{g.value}</code>
                    {": "}
                    {g.ips.map((r, i) => (
                      <>
                        {i > 0 && ", "}
                        <a class="mono" href={`/ip/${encodeURIComponent(r)}`}>{r}</a>
                      </>
                    ))}
                  </li>
                ))}
              </ul>
            )}
        </section>

        <Island
          name="SessionReplay"
          id="ip-replay"
          component={SessionReplay}
          props={{ sessions: replays }}
        />

        <section aria-labelledby="sessions-title">
          <h2 id="sessions-title">Sessions</h2>
          <p class="muted">
            {formatCount(events.items.length)} most recent stored events
            {cursor ? " (older page)" : ""} · <a href={`/api/events?ip=${encodeURIComponent(ip)}`}>as JSON</a>
          </p>
          {sessions.map((s) => <Transcript key={s.id} session={s} />)}
          {events.cursor && (
            <p>
              <a
                class="btn"
                href={`/ip/${encodeURIComponent(ip)}?cursor=${encodeURIComponent(events.cursor)}`}
              >
                Older events
              </a>
            </p>
          )}
        </section>
      </Layout>,
    );
  });
  return app;
}

/** Related IPs grouped by what they share. */
function groupRelated(related: readonly RelatedIp[]): { via: string; value: string; ips: string[] }[] {
  const groups = new Map<string, { via: string; value: string; ips: string[] }>();
  for (const r of related) {
    const k = `${r.via}\u0000${r.value}`;
    const g = groups.get(k) ?? { via: r.via, value: r.value, ips: [] };
    g.ips.push(r.ip);
    groups.set(k, g);
  }
  return [...groups.values()];
}
