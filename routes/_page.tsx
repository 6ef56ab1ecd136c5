/** Rendering helpers shared by the page routes. */
import type { Context } from "hono";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { HttpError } from "../lib/http_error.ts";
import { Layout } from "./_layout.tsx";
import { onError } from "./_middleware.ts";

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

/** The error handler of page sub-apps: a 4xx is an HTML page for people; anything else goes to `onError`. */
export function pageError(err: Error, c: Context): Response {
  if (err instanceof HttpError && err.status < 500) {
    return errorPage(c, err.status, err.status === 404 ? "Not found" : "Cannot show this page", err.message);
  }
  return onError(err, c);
}
