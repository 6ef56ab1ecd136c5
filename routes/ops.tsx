/**
 * Operations endpoints: `GET /metrics` (Prometheus text), `GET /api/ready` (readiness: a KV
 * round trip), `GET /api/quality` (data quality per sensor and source) and the `/quality` page.
 */
import { Hono } from "hono";
import { keys } from "../actors/keys.ts";
import { retryLocked } from "../actors/store.ts";
import type { QualityReport } from "../lib/quality/tracker.ts";
import type { Runtime } from "../lib/runtime.ts";
import { Layout } from "./_layout.tsx";
import { html } from "./_page.tsx";

/** How long the readiness check waits for KV before answering 503. */
const READY_TIMEOUT_MS = 2000;

/** Write, read back and delete this instance's probe key; throws when KV does not answer right. */
async function kvRoundTrip(rt: Runtime): Promise<void> {
  const key = keys.readyProbe(rt.instance);
  const token = crypto.randomUUID();
  await retryLocked(() => rt.kv.set(key, token, { expireIn: 60_000 }));
  const got = await retryLocked(() => rt.kv.get<string>(key));
  if (got.value !== token) throw new Error("KV returned a different value than was written");
  await retryLocked(() => rt.kv.delete(key));
}

export function opsRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.get("/metrics", async (c) => {
    const body = await rt.ops.metrics.render();
    return c.body(body, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  app.get("/api/ready", async (c) => {
    const started = performance.now();
    let error: string | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        kvRoundTrip(rt),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
            READY_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      clearTimeout(timer);
    }
    const kvMs = Math.round(performance.now() - started);
    return c.json(
      error === null ? { status: "ready", kv: "ok", kvMs } : { status: "not_ready", kv: "error", error },
      error === null ? 200 : 503,
    );
  });

  app.get("/api/quality", (c) => {
    const q = c.req.query();
    const items = rt.ops.quality.report({ sensor: q.sensor || undefined, source: q.source || undefined });
    return c.json({ windowMs: rt.ops.quality.windowMs, silenceMs: rt.ops.quality.silenceMs, items });
  });

  app.get("/quality", (c) => {
    const items = rt.ops.quality.report();
    return html(
      c,
      <Layout title="Data quality" current="/quality">
        <h1>Data quality</h1>
        <p class="muted">
          Per sensor and source over the last{" "}
          {items[0]?.window.label ?? "window"}: completeness (expected fields present), consistency (format
          variants), accuracy (rejected records), timeliness (event-to-ingest lag, clock skew, silences) and
          duplicates. The same numbers are at <a href="/api/quality">/api/quality</a> and in{" "}
          <a href="/metrics">/metrics</a>.
        </p>
        {items.length === 0 ? <p class="empty">No batches received in this window yet.</p> : null}
        {items.map((r) => <SeriesCard key={`${r.sensor}/${r.source}`} r={r} />)}
      </Layout>,
    );
  });
  return app;
}

function pct(x: number | null): string {
  return x === null ? "–" : `${(x * 100).toFixed(1)}%`;
}

function Pairs({ o }: { o: Record<string, number> }) {
  const e = Object.entries(o);
  if (e.length === 0) return <span class="muted">none</span>;
  return <>{e.map(([k, v]) => `${k} ${v}`).join(", ")}</>;
}

function SeriesCard({ r }: { r: QualityReport }) {
  const t = r.timeliness;
  return (
    <section class="card">
      <div class="card-head">
        <h2>
          {r.sensor} · {r.source}
          {t.silent ? <span class="badge offline">silent {t.silentS}s</span> : null}
        </h2>
      </div>
      <div class="table-wrap">
        <table class="kv">
          <tbody>
            <tr>
              <th>Events / batches</th>
              <td class="num">{r.events} / {r.batches}</td>
            </tr>
            <tr>
              <th>Completeness</th>
              <td>{pct(r.completeness.ratio)}</td>
            </tr>
            <tr>
              <th>Format variants</th>
              <td>
                <Pairs o={r.consistency.variants} />
              </td>
            </tr>
            <tr>
              <th>Rejected</th>
              <td>
                {r.accuracy.rejected} ({pct(r.accuracy.rejectedRatio)}): <Pairs o={r.accuracy.reasons} />
              </td>
            </tr>
            <tr>
              <th>Lag p50 / p90 / p99 / max</th>
              <td>
                {[t.lag.p50S, t.lag.p90S, t.lag.p99S].map((x) => x === null ? "–" : `≤${x}s`).join(" / ")} /
                {" "}
                {t.lag.maxS}s
              </td>
            </tr>
            <tr>
              <th>Clock skew</th>
              <td>{t.clockSkew.aheadEvents} events ahead of the server (max {t.clockSkew.maxAheadS}s)</td>
            </tr>
            <tr>
              <th>Out of order / gaps</th>
              <td>{t.outOfOrder} / {t.gapCount}</td>
            </tr>
            <tr>
              <th>Duplicates</th>
              <td>
                {r.duplicates.batches} batches resent, {r.duplicates.events} events repeated,{" "}
                {r.duplicates.repeatedDownloads} downloads repeated
              </td>
            </tr>
            <tr>
              <th>Last event / batch</th>
              <td>{t.lastEventTs ?? "–"} / {t.lastBatch}</td>
            </tr>
          </tbody>
        </table>
      </div>
      {Object.keys(r.completeness.byKind).length > 0
        ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Kind</th>
                  <th class="num">Events</th>
                  <th class="num">Complete</th>
                  <th>Missing fields</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(r.completeness.byKind).map(([kind, k]) => (
                  <tr key={kind}>
                    <td>{kind}</td>
                    <td class="num">{k.events}</td>
                    <td class="num">{pct(k.ratio)}</td>
                    <td>
                      <Pairs o={k.missing} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
        : null}
      {t.gaps.length > 0
        ? (
          <p class="muted">
            Recent silences: {t.gaps.map((g) => `${g.from} → ${g.to} (${g.seconds}s)`).join("; ")}
          </p>
        )
        : null}
    </section>
  );
}
