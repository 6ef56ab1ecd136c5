/**
 * Anomaly scores over time, one series per detector, from `GET /api/anomalies`. Used on
 * the dashboard (all IPs) and the attacker page (`ip`). Refreshes every `refreshMs`.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useThemeChange } from "./_theme.ts";
import { formatAxis, formatCount, formatLocal } from "../lib/format.ts";
import type { Anomaly } from "../lib/schema.ts";

export interface ScoreTimelineProps {
  initial: Anomaly[];
  /** `since` of the query (a time, or a duration before now such as "24h"); all history when absent. */
  since?: string;
  ip?: string;
  refreshMs?: number;
  title?: string;
}

export function ScoreTimeline(
  { initial, since, ip, refreshMs = 10_000, title = "Anomaly scores" }: ScoreTimelineProps,
) {
  const [items, setItems] = useState<Anomaly[]>(initial);
  const canvas = useRef<HTMLCanvasElement>(null);
  // deno-lint-ignore no-explicit-any
  const chart = useRef<any>(null);
  /** The x axis' span, read by the tick labels (dates appear past a day). */
  const span = useRef(0);
  const theme = useThemeChange(chart);

  useEffect(() => {
    let stopped = false;
    const q = new URLSearchParams({ limit: "500" });
    if (ip) q.set("ip", ip);
    const timer = setInterval(async () => {
      try {
        // since may be a duration: resolve it here, /api/anomalies takes times.
        const relative = since !== undefined && /^\d+[smhd]$/.test(since);
        const d = relative ? Date.now() - durationMs(since) : since;
        if (d) q.set("since", String(d));
        if (relative) q.set("until", String(Date.now()));
        const res = await fetch(`/api/anomalies?${q}`);
        if (res.ok && !stopped) setItems((await res.json()).items);
      } catch { /* offline: keep the last data */ }
    }, refreshMs);
    return () => {
      stopped = true;
      clearInterval(timer);
      chart.current?.destroy();
      chart.current = null;
    };
  }, [since, ip, refreshMs]);

  useEffect(() => {
    let cancelled = false;
    import("./_chart.ts").then(({ Chart, colourOf, themeColours }) => {
      if (cancelled || !canvas.current) return;
      const { fg, grid } = themeColours(canvas.current);
      const detectors = [...new Set(items.map((a) => a.detector))].sort();
      const datasets = detectors.map((d) => ({
        label: d.replaceAll("_", " "),
        data: items.filter((a) => a.detector === d).map((a) => ({ x: Date.parse(a.lastTs), y: a.score })),
        backgroundColor: colourOf(d, detectors),
        pointRadius: 4,
      }));
      // A lone point would otherwise get an axis of days.
      const xs = items.map((a) => Date.parse(a.lastTs));
      const xRange = xs.length
        ? { suggestedMin: Math.min(...xs) - 60_000, suggestedMax: Math.max(...xs) + 60_000 }
        : {};
      span.current = xs.length ? Math.max(...xs) - Math.min(...xs) + 120_000 : 0;
      if (chart.current) {
        Object.assign(chart.current.options.scales.x, xRange);
        chart.current.data.datasets = datasets;
        chart.current.update("none");
        return;
      }
      chart.current = new Chart(canvas.current, {
        type: "scatter",
        data: { datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: {
              type: "linear",
              ...xRange,
              ticks: {
                color: fg,
                maxTicksLimit: 8,
                callback: (v) => formatAxis(Number(v), span.current, true),
              },
              grid: { color: grid },
            },
            y: { min: 0, max: 1, ticks: { color: fg }, grid: { color: grid } },
          },
          plugins: {
            legend: { position: "bottom", labels: { color: fg, boxWidth: 12 } },
            tooltip: {
              callbacks: {
                label: (c) => `${c.dataset.label}: ${c.parsed.y} at ${formatLocal(c.parsed.x ?? 0)}`,
              },
            },
          },
        },
      });
    });
    return () => {
      cancelled = true;
    };
  }, [items, theme]);

  const top = items.reduce((m, a) => Math.max(m, a.score), 0);
  return (
    <figure class="card chart" data-chart="scores">
      <figcaption>
        <h2>{title}</h2>
        <span class="muted">
          {items.length === 0
            ? "no anomalies in range"
            : `${formatCount(items.length)} ${
              items.length === 1 ? "anomaly" : "anomalies"
            }; highest score ${top}`}
        </span>
      </figcaption>
      <div class="chart-box">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`Scatter chart of ${items.length} anomaly scores over time`}
        />
      </div>
    </figure>
  );
}

function durationMs(v: string): number {
  const n = Number(v.slice(0, -1));
  return n * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[v.slice(-1) as "s"];
}
