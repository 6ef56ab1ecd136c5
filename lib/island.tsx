/**
 * Server side of the islands pattern (Fresh's model without Fresh): render a component to
 * HTML and leave its props beside it as `<script type="application/json">`, which
 * `islands/client.ts` reads to hydrate it.
 */
import type { ComponentType, VNode } from "preact";

/** JSON that is safe inside a script element: no `<`, `>`, `&` or line separators survive literally. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Render island `name` with `props`; `id` must be unique in the page. */
export function Island<P extends object>(
  { name, id, component: C, props }: { name: string; id: string; component: ComponentType<P>; props: P },
): VNode {
  return (
    <>
      {/* Props are JSON with every markup character escaped (safeJson), so this is inert data. */}
      <script
        type="application/json"
        id={`${id}-props`}
        dangerouslySetInnerHTML={{ __html: safeJson(props) }}
      />
      <div data-island={name} data-props={`${id}-props`}>
        <C {...props} />
      </div>
    </>
  );
}
