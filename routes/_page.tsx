/** Rendering helpers shared by the page routes. */
import type { Context } from "hono";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { Layout } from "./_layout.tsx";

/** Answer with a full HTML document. */
export function html(c: Context, page: VNode, status = 200): Response {
  return c.html("<!DOCTYPE html>" + renderToString(page), status as 200);
}

/** An HTML error page (pages answer people, not programs). */
export function errorPage(c: Context, status: number, title: string, message: string): Response {
  return html(
    c,
    <Layout title={title}>
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <a href="/">Back to the dashboard</a>
      </p>
    </Layout>,
    status,
  );
}
