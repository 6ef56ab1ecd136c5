/**
 * Browser entry: hydrates every `[data-island]` element with its component, loading each
 * island's code only when the page has one.
 */
import { type ComponentType, h, hydrate } from "preact";

// deno-lint-ignore no-explicit-any
const registry: Record<string, () => Promise<ComponentType<any>>> = {
  AnomalyFeed: () => import("./AnomalyFeed.tsx").then((m) => m.AnomalyFeed),
};

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = el.dataset.island ?? "";
  const load = registry[name];
  const propsEl = el.dataset.props ? document.getElementById(el.dataset.props) : null;
  if (!load || !propsEl) continue;
  const props = JSON.parse(propsEl.textContent ?? "{}");
  load().then((C) => hydrate(h(C, props), el));
}
