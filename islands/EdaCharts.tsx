/**
 * The charts of an exploratory report: top values, events per minute and hour, feature
 * histograms and the 2-D PCA projection of actors coloured by anomaly. Used by the `/explore`
 * page (hydrated like every island) and by the offline report of `deno task eda` (which
 * inlines this island's bundle). Labels are attacker strings drawn on a canvas: never markup.
 * Without JavaScript the server-rendered tables beside it carry the same numbers.
 */
import { useEffect, useRef } from "preact/hooks";
import type { Count, EdaData } from "../lib/eda/analyze.ts";
import { Chart, colourOf } from "./_chart.ts";

export type EdaChartsProps = Pick<
  EdaData,
  "counts" | "perMinute" | "perHour" | "hourOfDay" | "features" | "pca"
>;

type Spec = { id: string; title: string; build: () => unknown };

function bars(labels: string[], data: number[], horizontal = false, colour = "#3b82f6") {
  return {
    type: "bar",
    data: { labels, datasets: [{ data, backgroundColor: colour, borderWidth: 0 }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: horizontal ? "y" : "x",
      plugins: { legend: { display: false } },
      scales: { x: { ticks: { autoSkip: true, maxRotation: 0 } }, y: { ticks: { autoSkip: !horizontal } } },
    },
  };
}

/** Axis label of a value: clipped; an empty password or command gets a visible label. */
const clipLabel = (s: string) => (s === "" ? "(empty)" : s.length > 40 ? s.slice(0, 39) + "…" : s);
const topBars = (c: Count[]) =>
  bars(c.slice(0, 15).map((x) => clipLabel(x.value)), c.slice(0, 15).map((x) => x.count), true);

/** Every chart of the report, by canvas id. */
export function chartSpecs(p: EdaChartsProps): Spec[] {
  const specs: Spec[] = [
    { id: "top-src_ip", title: "Top source IPs", build: () => topBars(p.counts.src_ip) },
    { id: "top-dst_port", title: "Top destination ports", build: () => topBars(p.counts.dst_port) },
    { id: "top-kind", title: "Event kinds", build: () => topBars(p.counts.kind) },
    { id: "top-username", title: "Top usernames", build: () => topBars(p.counts.username) },
    { id: "top-password", title: "Top passwords", build: () => topBars(p.counts.password) },
    { id: "top-command", title: "Top commands", build: () => topBars(p.counts.command) },
    {
      id: "per-minute",
      title: "Events per minute (non-empty minutes)",
      build: () =>
        bars(p.perMinute.map((b) => b.t.slice(0, 16).replace("T", " ")), p.perMinute.map((b) => b.n)),
    },
    {
      id: "per-hour",
      title: "Events per hour (non-empty hours)",
      build: () => bars(p.perHour.map((b) => b.t.slice(0, 13).replace("T", " ")), p.perHour.map((b) => b.n)),
    },
    {
      id: "hour-of-day",
      title: "Events by hour of day (UTC)",
      build: () => bars(p.hourOfDay.map((_, h) => String(h).padStart(2, "0")), p.hourOfDay),
    },
  ];
  for (const f of p.features) {
    specs.push({
      id: `hist-${f.name}`,
      title: `${f.name.replaceAll("_", " ")} (per IP)`,
      build: () =>
        bars(f.histogram.map((h) => String(h.from)), f.histogram.map((h) => h.count), false, "#8b5cf6"),
    });
  }
  specs.push({
    id: "pca",
    title: "PCA of actors (2 components), coloured by anomaly",
    build: () => ({
      type: "scatter",
      data: {
        datasets: p.pca.labels.map((label) => ({
          label,
          data: p.pca.points.filter((pt) => pt.label === label).map((pt) => ({
            x: pt.x,
            y: pt.y,
            ip: pt.ip,
          })),
          backgroundColor: label === "no anomaly" ? "#94a3b8" : colourOf(label, p.pca.labels),
          pointRadius: label === "no anomaly" ? 2 : 4,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { type: "linear", title: { display: true, text: `PC1 (${pct(p.pca.explained[0])})` } },
          y: { type: "linear", title: { display: true, text: `PC2 (${pct(p.pca.explained[1])})` } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: (ctx: { raw: { ip: string; x: number; y: number }; dataset: { label: string } }) =>
                `${ctx.raw.ip} · ${ctx.dataset.label}`,
            },
          },
        },
      },
    }),
  });
  return specs;
}

function pct(x: number | undefined): string {
  return x === undefined ? "n/a" : `${Math.round(x * 100)}% of variance`;
}

export function EdaCharts(props: EdaChartsProps) {
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const charts: { destroy(): void }[] = [];
    for (const spec of chartSpecs(props)) {
      const canvas = root.current?.querySelector<HTMLCanvasElement>(`canvas[data-chart="${spec.id}"]`);
      if (!canvas) continue;
      // deno-lint-ignore no-explicit-any
      charts.push(new Chart(canvas, spec.build() as any));
    }
    root.current?.setAttribute("data-drawn", String(charts.length));
    return () => charts.forEach((c) => c.destroy());
  }, [props]);

  const specs = chartSpecs(props);
  return (
    <div class="eda-charts" ref={root} data-drawn="0">
      {specs.map((s) => (
        <figure
          key={s.id}
          class={`card eda-chart ${s.id === "pca" ? "wide" : ""} ${s.id.startsWith("per-") ? "wide" : ""}`}
        >
          <figcaption>{s.title}</figcaption>
          <div class="eda-canvas">
            <canvas data-chart={s.id} role="img" aria-label={s.title} />
          </div>
        </figure>
      ))}
    </div>
  );
}
