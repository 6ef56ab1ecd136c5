/**
 * Browser entry: hydrates every `[data-island]` element with its component, loading each
 * island's code only when the page has one.
 */
import { type ComponentType, h, hydrate } from "preact";
import { localiseTimes } from "../lib/format.ts";

// deno-lint-ignore no-explicit-any
const registry: Record<string, () => Promise<ComponentType<any>>> = {
  AnomalyFeed: () => import("./AnomalyFeed.tsx").then((m) => m.AnomalyFeed),
  Counters: () => import("./Counters.tsx").then((m) => m.Counters),
  EventsChart: () => import("./EventsChart.tsx").then((m) => m.EventsChart),
  FeedbackButtons: () => import("./FeedbackButtons.tsx").then((m) => m.FeedbackButtons),
  ScoreTimeline: () => import("./ScoreTimeline.tsx").then((m) => m.ScoreTimeline),
  SensorTable: () => import("./SensorTable.tsx").then((m) => m.SensorTable),
  SessionReplay: () => import("./SessionReplay.tsx").then((m) => m.SessionReplay),
  EdaCharts: () => import("./EdaCharts.tsx").then((m) => m.EdaCharts),
};

// Server-rendered times outside islands switch to the viewer's zone (UTC stays in the title).
localiseTimes(document);

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = el.dataset.island ?? "";
  const load = registry[name];
  const propsEl = el.dataset.props ? document.getElementById(el.dataset.props) : null;
  if (!load || !propsEl) continue;
  const props = JSON.parse(propsEl.textContent ?? "{}");
  load().then((C) => {
    hydrate(h(C, props), el);
    el.dataset.hydrated = ""; // a hook for tests and styles: this island is live
  });
}
