/** Charts read their colours from CSS variables once; redraw them when the viewer switches light/dark. */
import { useEffect, useState } from "preact/hooks";

/** A counter that changes when `prefers-color-scheme` does; the chart in `chart` is destroyed first. */
// deno-lint-ignore no-explicit-any
export function useThemeChange(chart: { current: any }): number {
  const [theme, setTheme] = useState(0);
  useEffect(() => {
    const mq = matchMedia("(prefers-color-scheme: dark)");
    const changed = () => {
      chart.current?.destroy();
      chart.current = null;
      setTheme((t) => t + 1);
    };
    mq.addEventListener("change", changed);
    return () => mq.removeEventListener("change", changed);
  }, [chart]);
  return theme;
}
