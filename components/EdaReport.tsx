/**
 * The body of an exploratory report, shared by `deno task eda` (offline HTML file) and the
 * `/explore` page: summary, data quality, top values, the charts island, feature
 * distributions with IQR and z-score outliers, and a correlation heatmap (a table whose cells
 * carry a class per value band, so no inline style is needed under the page's CSP). Every
 * attacker string is JSX text.
 */
import { EdaCharts } from "../islands/EdaCharts.tsx";
import type { EdaData } from "../lib/eda/analyze.ts";
import { Island } from "../lib/island.tsx";
import { TopList } from "./TopList.tsx";

const TOPS = [
  ["src_ip", "Source IPs"],
  ["dst_port", "Destination ports"],
  ["kind", "Event kinds"],
  ["username", "Usernames"],
  ["password", "Passwords"],
  ["command", "Commands"],
] as const;

/** The heatmap band of a correlation: n5..p5 in steps of 0.2, "na" when undefined. */
export function corrBand(r: number | null): string {
  if (r === null) return "na";
  const b = Math.min(5, Math.ceil(Math.abs(r) * 5 - 1e-9));
  return b === 0 ? "z" : `${r < 0 ? "n" : "p"}${b}`;
}

export function EdaReport({ data, ipHref }: { data: EdaData; ipHref?: (ip: string) => string }) {
  const s = data.summary;
  const q = data.quality;
  const rejected = Object.values(q.rejected).reduce((a, b) => a + b, 0);
  return (
    <div class="eda">
      <section class="card" aria-labelledby="eda-summary">
        <h2 id="eda-summary">Summary</h2>
        <dl class="facts">
          <div>
            <dt>Events</dt>
            <dd data-summary="events">{s.events}</dd>
          </div>
          <div>
            <dt>Source IPs</dt>
            <dd data-summary="ips">{s.ips}</dd>
          </div>
          <div>
            <dt>Anomalies (rule detectors)</dt>
            <dd data-summary="anomalies">{s.anomalies}</dd>
          </div>
          <div>
            <dt>From</dt>
            <dd>{s.first ?? "–"}</dd>
          </div>
          <div>
            <dt>To</dt>
            <dd>{s.last ?? "–"}</dd>
          </div>
          <div>
            <dt>Sensors</dt>
            <dd>{s.sensors.join(", ")}</dd>
          </div>
        </dl>
        {data.anomaliesByType.length > 0 && (
          <p class="muted">
            Anomalies by type: {data.anomaliesByType.map((a) => `${a.value} ${a.count}`).join(", ")}
          </p>
        )}
      </section>

      <section class="card" aria-labelledby="eda-quality" data-section="quality">
        <h2 id="eda-quality">Data quality</h2>
        <table class="kv">
          <tbody>
            <tr>
              <th scope="row">Records read</th>
              <td class="num">{q.records}</td>
            </tr>
            <tr>
              <th scope="row">Accepted</th>
              <td class="num">{q.accepted}</td>
            </tr>
            <tr>
              <th scope="row">Rejected</th>
              <td class="num">
                {rejected}
                {rejected > 0 && ` (${Object.entries(q.rejected).map(([k, n]) => `${k} ${n}`).join(", ")})`}
              </td>
            </tr>
            <tr>
              <th scope="row">Skipped (no event)</th>
              <td class="num">{q.skipped}</td>
            </tr>
            <tr>
              <th scope="row">Out of time order</th>
              <td class="num">{q.outOfOrder}</td>
            </tr>
            <tr>
              <th scope="row">Unknown event ids</th>
              <td>{q.unknownEventIds.map((u) => `${u.value} (${u.count})`).join(", ") || "none"}</td>
            </tr>
            {Object.entries(q.fieldCoverage).map(([f, share]) => (
              <tr key={f}>
                <th scope="row">events with {f}</th>
                <td class="num">{Math.round(share * 1000) / 10}%</td>
              </tr>
            ))}
            {q.perInput.map((p) => (
              <tr key={p.value}>
                <th scope="row">
                  <code>{p.value}</code>
                </th>
                <td class="num">{p.count} events</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="eda-top">
        <h2 id="eda-top">Top values</h2>
        <div class="eda-tops">
          {TOPS.map(([field, title]) => (
            <TopList
              key={field}
              title={title}
              field={field}
              items={data.counts[field]}
              href={field === "src_ip" ? ipHref : undefined}
            />
          ))}
        </div>
      </section>

      <section aria-labelledby="eda-charts">
        <h2 id="eda-charts">Charts</h2>
        <Island
          name="EdaCharts"
          id="eda-charts-island"
          component={EdaCharts}
          props={{
            counts: data.counts,
            perMinute: data.perMinute,
            perHour: data.perHour,
            hourOfDay: data.hourOfDay,
            features: data.features,
            pca: data.pca,
          }}
        />
      </section>

      <section class="card" aria-labelledby="eda-features" data-section="features">
        <h2 id="eda-features">Engineered features per source IP: distribution and outliers</h2>
        <p class="muted">
          Outliers by Tukey's fences (below q1 − 1.5·IQR or above q3 + 1.5·IQR) and by z-score (|z| &gt; 3).
        </p>
        <div class="scroll">
          <table class="eda-features">
            <thead>
              <tr>
                <th>feature</th>
                <th class="num">mean</th>
                <th class="num">std</th>
                <th class="num">min</th>
                <th class="num">q1</th>
                <th class="num">median</th>
                <th class="num">q3</th>
                <th class="num">max</th>
                <th class="num">upper fence</th>
                <th class="num">IQR outliers</th>
                <th class="num">|z|&gt;3</th>
                <th>most extreme</th>
              </tr>
            </thead>
            <tbody>
              {data.features.map((f) => (
                <tr key={f.name} data-feature={f.name}>
                  <th scope="row">{f.name}</th>
                  <td class="num">{f.mean}</td>
                  <td class="num">{f.std}</td>
                  <td class="num">{f.min}</td>
                  <td class="num">{f.q1}</td>
                  <td class="num">{f.median}</td>
                  <td class="num">{f.q3}</td>
                  <td class="num">{f.max}</td>
                  <td class="num">{f.highFence}</td>
                  <td class="num">{f.iqrOutliers}</td>
                  <td class="num">{f.zOutliers}</td>
                  <td>
                    {f.top.map((t, i) => (
                      <span key={t.ip}>
                        {i > 0 && ", "}
                        {ipHref ? <a href={ipHref(t.ip)}>{t.ip}</a> : <code>{t.ip}</code>} ({t.value}, z{" "}
                        {t.z})
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section class="card" aria-labelledby="eda-corr" data-section="correlation">
        <h2 id="eda-corr">Correlation between features (Pearson)</h2>
        <div class="scroll">
          <table class="heatmap">
            <thead>
              <tr>
                <th />
                {data.correlation.names.map((n, i) => <th key={n} title={n} scope="col">{i + 1}</th>)}
              </tr>
            </thead>
            <tbody>
              {data.correlation.names.map((n, i) => (
                <tr key={n}>
                  <th scope="row">
                    {i + 1}. {n}
                  </th>
                  {data.correlation.matrix[i].map((r, j) => (
                    <td key={j} class={`corr ${corrBand(r)}`} title={`${n} × ${data.correlation.names[j]}`}>
                      {r === null ? "–" : r.toFixed(2)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
