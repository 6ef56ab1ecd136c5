/**
 * The online models' surface: `POST /api/predict` (scores without learning) and the `/models`
 * page (score distribution, thresholds, rate baselines, drift timeline, precision from
 * feedback), server-rendered and readable without JavaScript.
 */
import { Hono } from "hono";
import { renderToString } from "preact-render-to-string";
import { z } from "zod";
import { newActor } from "../actors/actor.ts";
import { keys } from "../actors/keys.ts";
import type { Feedback } from "../lib/feedback.ts";
import { HttpError } from "../lib/http_error.ts";
import { listDrifts } from "../lib/online/mod.ts";
import type { DriftEvent, OnlineModels } from "../lib/online/mod.ts";
import { createParser } from "../lib/parsers/mod.ts";
import type { Runtime } from "../lib/runtime.ts";
import { SensorName, Source } from "../lib/schema.ts";
import { Layout } from "./_layout.tsx";

/** Body of `POST /api/predict`: a raw event of a source, or a feature vector. */
export const PredictBody = z.union([
  z.object({
    event: z.union([z.string().max(65_536), z.record(z.string(), z.unknown())]),
    source: Source.default("cowrie"),
    sensor: SensorName.default("predict"),
  }).strict(),
  z.object({ features: z.record(z.string(), z.number().finite()) }).strict(),
]);

export function modelsRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.post("/api/predict", async (c) => {
    let json: unknown;
    try {
      json = await c.req.json();
    } catch {
      throw new HttpError(
        400,
        'Body must be JSON: {"event": {...}, "source": "cowrie"} or {"features": {...}}',
      );
    }
    const body = PredictBody.safeParse(json);
    if (!body.success) {
      const issue = body.error.issues[0];
      throw new HttpError(
        400,
        `Invalid body: give "event" (a raw record, with optional "source" and "sensor") or "features" ` +
          `(name -> number); ${issue.path.join(".") || "body"}: ${issue.message}`,
      );
    }
    const b = body.data;
    if ("features" in b) {
      return c.json({ input: "features", learnt: false, ...rt.models.predictFeatures(b.features) });
    }
    const parsed = createParser(b.source, { sensor: b.sensor }).parse(b.event);
    if (parsed.ok !== true) {
      const why = parsed.ok === "skip" ? "it carries no event" : `${parsed.reason}: ${parsed.detail}`;
      throw new HttpError(400, `Cannot parse the ${b.source} event: ${why}`);
    }
    const ev = { ...parsed.event, id: "predict" };
    const actor = (await rt.actors.get(ev.src_ip)) ?? newActor(ev.src_ip);
    return c.json({
      input: "event",
      learnt: false,
      event: ev,
      ...rt.models.predictEvent(ev, actor, rt.detectors),
    });
  });

  app.get("/models", async (c) => {
    const drifts = await listDrifts(rt.kv, 50);
    const precision = await feedbackPrecision(rt.kv);
    const page = <ModelsPage models={rt.models} drifts={drifts} precision={precision} />;
    return c.html("<!DOCTYPE html>" + renderToString(page));
  });
  return app;
}

/** True and false positives per detector, from stored feedback. */
export async function feedbackPrecision(kv: Deno.Kv): Promise<Record<string, { tp: number; fp: number }>> {
  const out: Record<string, { tp: number; fp: number }> = {};
  for await (const e of kv.list<Feedback>({ prefix: keys.feedbackPrefix() })) {
    const fb = e.value;
    const r = out[fb.detector] ??= { tp: 0, fp: 0 };
    if (fb.label === "true_positive") r.tp++;
    else r.fp++;
  }
  return out;
}

function iso(ms: number | null): string {
  return ms === null ? "never" : new Date(ms).toISOString();
}

function Histogram({ bins, threshold }: { bins: number[]; threshold: number }) {
  const w = 400;
  const h = 120;
  const max = Math.max(1, ...bins);
  const bw = w / bins.length;
  const tx = Number.isFinite(threshold) ? Math.min(1, threshold) * w : null;
  return (
    <svg
      width={w}
      height={h + 20}
      viewBox={`0 0 ${w} ${h + 20}`}
      role="img"
      aria-label="Histogram of unusual scores"
    >
      {bins.map((n, i) => {
        // Log height: the bulk near the median would otherwise hide the tail.
        const bh = n === 0 ? 0 : Math.max(1, (Math.log1p(n) / Math.log1p(max)) * h);
        return (
          <rect
            key={i}
            x={i * bw + 1}
            y={h - bh}
            width={bw - 2}
            height={bh}
            fill="currentColor"
            opacity="0.6"
          >
            <title>{`${(i / bins.length).toFixed(2)}–${((i + 1) / bins.length).toFixed(2)}: ${n}`}</title>
          </rect>
        );
      })}
      {tx !== null && <line x1={tx} x2={tx} y1={0} y2={h} stroke="red" stroke-width="2" />}
      <text x={0} y={h + 15} font-size="11" fill="currentColor">0</text>
      <text x={w - 8} y={h + 15} font-size="11" fill="currentColor">1</text>
    </svg>
  );
}

function DriftTimeline({ drifts }: { drifts: DriftEvent[] }) {
  if (drifts.length === 0) return null;
  const times = drifts.map((d) => Date.parse(d.ts));
  const lo = Math.min(...times);
  const hi = Math.max(...times, lo + 1);
  const streams = [...new Set(drifts.map((d) => d.stream))].slice(0, 12);
  const w = 600;
  const row = 18;
  return (
    <svg
      width={w + 200}
      height={streams.length * row + 10}
      viewBox={`0 0 ${w + 200} ${streams.length * row + 10}`}
      role="img"
      aria-label="Drift timeline"
    >
      {streams.map((s, i) => (
        <text key={s} x={0} y={i * row + 14} font-size="11" fill="currentColor">{s}</text>
      ))}
      {drifts.filter((d) => streams.includes(d.stream)).map((d) => (
        <circle
          key={d.id}
          cx={200 + ((Date.parse(d.ts) - lo) / (hi - lo)) * (w - 10) + 5}
          cy={streams.indexOf(d.stream) * row + 10}
          r={5}
          fill={d.severity === "medium" ? "orange" : "steelblue"}
        >
          <title>{`${d.ts}: ${d.reason}`}</title>
        </circle>
      ))}
    </svg>
  );
}

function ModelsPage(
  { models, drifts, precision }: {
    models: OnlineModels;
    drifts: DriftEvent[];
    precision: Record<string, { tp: number; fp: number }>;
  },
) {
  const u = models.unusual;
  const threshold = u.threshold();
  const series = [...models.spike.series.values()].sort((a, b) => b.mad.median() - a.mad.median()).slice(
    0,
    25,
  );
  return (
    <Layout title="Models">
      <h1>Models and drift</h1>
      <p>
        Checkpoint saved {iso(models.savedAt)}; restored at start from {iso(models.restoredAt)}.
      </p>

      <section>
        <h2>unusual (Half-Space Trees)</h2>
        <table>
          <tbody>
            <tr>
              <th>vectors learnt</th>
              <td>{u.learnt}</td>
            </tr>
            <tr>
              <th>in grace period</th>
              <td>{u.learnt < u.o.grace ? `yes (${u.learnt} of ${u.o.grace})` : "no"}</td>
            </tr>
            <tr>
              <th>threshold</th>
              <td>
                {Number.isFinite(threshold) ? threshold.toFixed(3) : "none yet"} (quantile q {u.o.q}{" "}
                of past scores, floor {u.o.minScore}, feedback margin {u.margin.toFixed(3)})
              </td>
            </tr>
            <tr>
              <th>novelty gate</th>
              <td>
                at least {u.o.minRare} rare commands (seen fewer than {u.o.rareBelow}{" "}
                times) or a first-seen malware hash
              </td>
            </tr>
            <tr>
              <th>flagged</th>
              <td>{models.flagged}</td>
            </tr>
            <tr>
              <th>allowlisted IPs (feedback)</th>
              <td>{u.allow.size}</td>
            </tr>
            <tr>
              <th>model swaps on drift / pooled models</th>
              <td>
                {u.swaps} / {u.pool.length}
              </td>
            </tr>
          </tbody>
        </table>
        <h3>Score distribution of learnt vectors</h3>
        <Histogram bins={models.histogram} threshold={threshold} />
        <p>Bars on a log scale; the red line is the current threshold.</p>
      </section>

      <section>
        <h2>traffic_spike (per-minute rates)</h2>
        <p>
          Fires at robust z ≥ {models.spike.o.z + models.spike.margin} (feedback margin{" "}
          {models.spike.margin}), at least {models.spike.o.minCount} events and{" "}
          {models.spike.o.minRatio}x the median.
        </p>
        <table>
          <thead>
            <tr>
              <th>series</th>
              <th>minutes learnt</th>
              <th>median / min</th>
              <th>MAD</th>
              <th>current minute</th>
              <th>robust z now</th>
            </tr>
          </thead>
          <tbody>
            {series.map((s) => (
              <tr key={s.key}>
                <td>{s.key}</td>
                <td>{s.completed}</td>
                <td>{s.mad.median()}</td>
                <td>{s.mad.mad()}</td>
                <td>{s.count}</td>
                <td>{fmt(s.mad.score(s.count))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section>
        <h2>Drift</h2>
        <DriftTimeline drifts={drifts} />
        <table>
          <thead>
            <tr>
              <th>when (event time)</th>
              <th>stream</th>
              <th>detector</th>
              <th>before → after</th>
              <th>action</th>
            </tr>
          </thead>
          <tbody>
            {drifts.map((d) => (
              <tr key={d.id}>
                <td>{d.ts}</td>
                <td>{d.stream}</td>
                <td>{d.detector}</td>
                <td>
                  {d.before} → {d.after}
                </td>
                <td>{d.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {drifts.length === 0 && <p>No drift detected yet.</p>}
      </section>

      <section>
        <h2>Precision from feedback</h2>
        <table>
          <thead>
            <tr>
              <th>detector</th>
              <th>true positives</th>
              <th>false positives</th>
              <th>precision</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(precision).sort().map(([d, r]) => (
              <tr key={d}>
                <td>{d}</td>
                <td>{r.tp}</td>
                <td>{r.fp}</td>
                <td>{(r.tp / (r.tp + r.fp)).toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {Object.keys(precision).length === 0 && <p>No feedback yet (POST /api/update).</p>}
      </section>
    </Layout>
  );
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : String(x);
}
