/**
 * Campaigns across source IPs: `GET /api/campaigns` (optionally the campaign of `ip`),
 * `GET /api/campaigns/:id`, and the `/campaigns` page. Credentials, commands and client
 * strings are attacker-controlled: JSON in the API, JSX text on the page.
 */
import { Hono } from "hono";
import { renderToString } from "preact-render-to-string";
import { z } from "zod";
import { CampaignTimeline } from "../components/CampaignTimeline.tsx";
import "./_insight_openapi.ts";
import type { CampaignView } from "../lib/campaigns/mod.ts";
import { humanSpan } from "../lib/campaigns/tracker.ts";
import { HttpError } from "../lib/http_error.ts";
import { normaliseIp } from "../lib/ip.ts";
import type { Runtime } from "../lib/runtime.ts";
import { Layout } from "./_layout.tsx";

const Query = z.object({
  ip: z.string().optional(),
  minMembers: z.coerce.number().int().min(2).max(100_000).default(2),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

function query(q: Record<string, string>) {
  const r = Query.safeParse(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== "")));
  if (!r.success) {
    const issue = r.error.issues[0];
    const name = String(issue.path[0]);
    throw new HttpError(400, `Query "${name}" is ${JSON.stringify(q[name])}: ${issue.message}`);
  }
  let ip: string | undefined;
  if (r.data.ip !== undefined) {
    const n = normaliseIp(r.data.ip);
    if (n === null) {
      throw new HttpError(400, `Query "ip" is ${JSON.stringify(r.data.ip)}, must be an IPv4 or IPv6 address`);
    }
    ip = n;
  }
  return { ...r.data, ip };
}

export function campaignsRoutes(rt: Runtime): Hono {
  const app = new Hono();
  const select = (q: ReturnType<typeof query>): CampaignView[] => {
    if (q.ip !== undefined) {
      const id = rt.campaigns.campaignOf(q.ip);
      const c = id ? rt.campaigns.get(id) : null;
      return c ? [c] : [];
    }
    return rt.campaigns.list(q.minMembers, q.limit);
  };

  app.get("/api/campaigns", (c) => {
    const q = query(c.req.query());
    return c.json({ items: select(q), cursor: null });
  });

  app.get("/api/campaigns/:id", (c) => {
    const id = c.req.param("id");
    const found = rt.campaigns.get(id);
    if (!found) throw new HttpError(404, `No campaign ${JSON.stringify(id)} is known`, "not_found");
    return c.json(found);
  });

  app.get("/campaigns", (c) => {
    const q = query(c.req.query());
    const items = select(q);
    return c.html("<!DOCTYPE html>" + renderToString(<CampaignsPage items={items} ip={q.ip} />));
  });

  app.get("/campaigns/:id", (c) => {
    const found = rt.campaigns.get(c.req.param("id"));
    const status = found ? 200 : 404;
    return c.html(
      "<!DOCTYPE html>" + renderToString(<CampaignsPage items={found ? [found] : []} single />),
      status,
    );
  });
  return app;
}

function CampaignsPage({ items, ip, single }: { items: CampaignView[]; ip?: string; single?: boolean }) {
  return (
    <Layout title="Campaigns" current="/campaigns">
      <h1>Campaigns</h1>
      <p class="muted">
        Source IPs grouped by a shared credential list (MinHash over tried username:password pairs), client
        fingerprint (HASSH, SSH version) or session script. A campaign of many IPs with a few attempts each is
        the distributed or low-and-slow brute force that per-IP limits miss.{" "}
        <a href="/api/campaigns">As JSON</a>
      </p>
      {items.length === 0
        ? (
          <p class="empty">
            {single
              ? "No such campaign."
              : ip
              ? `${ip} is in no campaign.`
              : "No campaign has been seen yet."}
          </p>
        )
        : (
          <>
            {!single && (
              <table class="campaigns">
                <thead>
                  <tr>
                    <th>Campaign</th>
                    <th>Linked by</th>
                    <th class="num">IPs</th>
                    <th class="num">Failed logins</th>
                    <th class="num">Max per IP</th>
                    <th>First seen</th>
                    <th>Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((c) => (
                    <tr key={c.id} data-campaign={c.id}>
                      <td>
                        <a href={`/campaigns/${encodeURIComponent(c.id)}`}>{c.id}</a>
                      </td>
                      <td>{c.kind.replaceAll("_", " ")}</td>
                      <td class="num">{c.memberCount}</td>
                      <td class="num">{c.failedLogins}</td>
                      <td class="num">{c.maxAttemptsPerIp}</td>
                      <td>
                        <time dateTime={c.firstSeen}>{c.firstSeen.slice(0, 19).replace("T", " ")}Z</time>
                      </td>
                      <td>
                        <time dateTime={c.lastSeen}>{c.lastSeen.slice(0, 19).replace("T", " ")}Z</time>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {items.slice(0, single ? 1 : 20).map((c) => <CampaignCard key={c.id} c={c} open={single} />)}
          </>
        )}
    </Layout>
  );
}

function CampaignCard({ c, open }: { c: CampaignView; open?: boolean }) {
  const span = Date.parse(c.lastSeen) - Date.parse(c.firstSeen);
  return (
    <article class="card campaign" id={c.id} data-campaign={c.id}>
      <header class="card-head">
        <h2>
          Campaign <code>{c.id}</code>
        </h2>
        <span class="muted">
          {c.memberCount} IPs · {c.failedLogins} failed logins · at most {c.maxAttemptsPerIp} per IP · over
          {" "}
          {humanSpan(span)} · linked by {c.kind.replaceAll("_", " ")}
          {c.anomalyId && (
            <>
              {" "}· anomaly <a href={`/api/anomalies?type=campaign`}>{c.anomalyId}</a>
            </>
          )}
        </span>
      </header>
      <CampaignTimeline timeline={c.timeline} />
      <details open={open}>
        <summary>Members, shared credentials, commands and clients</summary>
        <div class="campaign-grid">
          <section>
            <h3>Members ({c.memberCount}{c.overflow ? `, ${c.overflow} not listed` : ""})</h3>
            <table class="kv">
              <thead>
                <tr>
                  <th>IP</th>
                  <th class="num">Failed</th>
                  <th>Last seen</th>
                </tr>
              </thead>
              <tbody>
                {c.members.map((m) => (
                  <tr key={m.ip}>
                    <td>
                      <a class="mono" href={`/ip/${encodeURIComponent(m.ip)}`}>{m.ip}</a>
                    </td>
                    <td class="num">{m.attempts}</td>
                    <td>
                      <time dateTime={m.lastSeen}>{m.lastSeen.slice(0, 19).replace("T", " ")}Z</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section>
            <h3>Shared credentials</h3>
            <Tally rows={c.sharedCredentials.map((s) => [s.credential, s.ips])} empty="None." />
            <h3>Command sequences</h3>
            <Tally rows={c.commands.map((s) => [s.sequence, s.ips])} empty="None recorded." />
            <h3>Clients</h3>
            <Tally
              rows={[
                ...c.clients.map((s) => [s.client, s.ips] as [string, number]),
                ...c.hassh.map((s) => [`hassh ${s.hassh}`, s.ips] as [string, number]),
              ]}
              empty="Unknown."
            />
          </section>
        </div>
      </details>
    </article>
  );
}

/** Attacker strings with how many member IPs share them; text only. */
function Tally({ rows, empty }: { rows: [string, number][]; empty: string }) {
  if (rows.length === 0) return <p class="empty">{empty}</p>;
  return (
    <ol class="tally">
      {rows.slice(0, 30).map(([v, n]) => (
        <li key={v}>
          <code>{v}</code> <span class="muted">{n} IPs</span>
        </li>
      ))}
    </ol>
  );
}
