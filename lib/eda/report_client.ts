/**
 * Browser entry of the offline EDA report: hydrates the charts island from the props the
 * report carries. `deno task eda` bundles this file and inlines it into the HTML.
 */
import { h, hydrate } from "preact";
import { EdaCharts } from "../../islands/EdaCharts.tsx";

for (const el of document.querySelectorAll<HTMLElement>('[data-island="EdaCharts"]')) {
  const propsEl = el.dataset.props ? document.getElementById(el.dataset.props) : null;
  if (propsEl) hydrate(h(EdaCharts, JSON.parse(propsEl.textContent ?? "{}")), el);
}
