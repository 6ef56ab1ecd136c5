/**
 * chart.js with only the parts our charts use registered. Imported only by chart islands,
 * so the bundler puts chart.js in a chunk that pages without charts never load.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  PointElement,
  ScatterController,
  Tooltip,
} from "chart.js";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  ScatterController,
  PointElement,
  Legend,
  Tooltip,
);

export { Chart };

/** Distinct colours that read on light and dark backgrounds. */
const PALETTE = [
  "#3b82f6",
  "#f59e0b",
  "#10b981",
  "#ef4444",
  "#8b5cf6",
  "#06b6d4",
  "#ec4899",
  "#84cc16",
  "#f97316",
  "#64748b",
];

/** A stable colour per name (the same kind or detector keeps its colour across updates). */
export function colourOf(name: string, order: readonly string[]): string {
  const i = order.indexOf(name);
  return PALETTE[(i >= 0 ? i : order.length) % PALETTE.length];
}

/** Text and grid colours from the page's CSS variables (light or dark). */
export function themeColours(el: Element): { fg: string; grid: string } {
  const css = getComputedStyle(el);
  return {
    fg: css.getPropertyValue("--muted").trim() || "#666",
    grid: css.getPropertyValue("--line").trim() || "#ddd",
  };
}
