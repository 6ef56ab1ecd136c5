/**
 * Stacked bars of events per bucket by kind, from `GET /api/stats/timeline`. The server
 * renders a text summary (readable without JS); the island draws the chart and refreshes
 * it every `refreshMs` (never more than a few times a second).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useThemeChange } from "./_theme.ts";
import { formatAxis, formatCount, formatUtc } from "../lib/format.ts";
import type { Timeline } from "../lib/stats_query.ts";

export interface EventsChartProps {
  initial: Timeline;
  /** `since` of the query: a duration before now ("1h") or a time. */
  since: string;
  /** Bucket size ("1m", "5m", "1h"). */
  bucket: string;
  refreshMs?: number;
  /** Where the timeline is read (the public view has its own). */
  endpoint?: string;
}

function busiest(t: Timeline): string {
  let best = t.buckets[0];
  for (const b of t.buckets) if (b.total > (best?.total ?? 0)) best = b;
  return best && best.total > 0 ? `${formatCount(best.total)} at ${formatUtc(best.ts)}` : "none";
}

export function EventsChart(
  { initial, since, bucket, refreshMs = 10_000, endpoint = "/api/stats/timeline" }: EventsChartProps,
) {
  const [data, setData] = useState<Timeline>(initial);
  const canvas = useRef<HTMLCanvasElement>(null);
  // deno-lint-ignore no-explicit-any
  const chart = useRef<any>(null);
  const theme = useThemeChange(chart);
  const total = data.buckets.reduce((n, b) => n + b.total, 0);

  useEffect(() => {
    let stopped = false;
    const url = `${endpoint}?since=${encodeURIComponent(since)}&bucket=${encodeURIComponent(bucket)}`;
    const timer = setInterval(async () => {
      try {
        const res = await fetch(url);
        if (res.ok && !stopped) setData(await res.json());
      } catch { /* offline: keep the last data */ }
    }, refreshMs);
    return () => {
      stopped = true;
      clearInterval(timer);
      chart.current?.destroy();
      chart.current = null;
    };
  }, [since, bucket, refreshMs, endpoint]);

  useEffect(() => {
    let cancelled = false;
    import("./_chart.ts").then(({ Chart, colourOf, themeColours }) => {
      if (cancelled || !canvas.current) return;
      const { fg, grid } = themeColours(canvas.current);
      const span = data.buckets.length
        ? Date.parse(data.buckets.at(-1)!.ts) - Date.parse(data.buckets[0].ts)
        : 0;
      const labels = data.buckets.map((b) => formatAxis(Date.parse(b.ts), span));
      const datasets = data.kinds.map((k) => ({
        label: k.replaceAll("_", " "),
        data: data.buckets.map((b) => b.kinds[k] ?? 0),
        backgroundColor: colourOf(k, data.kinds),
        stack: "events",
      }));
      if (chart.current) {
        chart.current.data.labels = labels;
        chart.current.data.datasets = datasets;
        chart.current.update("none");
        return;
      }
      chart.current = new Chart(canvas.current, {
        type: "bar",
        data: { labels, datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: { stacked: true, ticks: { color: fg, maxTicksLimit: 12 }, grid: { display: false } },
            y: {
              stacked: true,
              beginAtZero: true,
              ticks: { color: fg, precision: 0 },
              grid: { color: grid },
            },
          },
          plugins: { legend: { position: "bottom", labels: { color: fg, boxWidth: 12 } } },
        },
      });
    });
    return () => {
      cancelled = true;
    };
  }, [data, theme]);

  return (
    <figure class="card chart" data-chart="events">
      <figcaption>
        <h2>Events per {bucket} by kind</h2>
        <span class="muted">
          {formatCount(total)} events since {formatUtc(data.since)}; busiest {busiest(data)}
        </span>
      </figcaption>
      <div class="chart-box">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`Stacked bar chart: ${formatCount(total)} events by kind`}
        />
      </div>
    </figure>
  );
}
