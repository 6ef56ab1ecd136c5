/** Files under `static/` (CSS, island bundles) at `/static/*`. */
import { Hono } from "hono";

const ROOT = new URL("../static/", import.meta.url);
const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
};

export function staticRoutes(): Hono {
  const app = new Hono();
  app.get("/static/*", async (c) => {
    const rel = decodeURIComponent(c.req.path.slice("/static/".length));
    if (rel === "" || rel.split("/").some((p) => p === ".." || p === "." || p === "")) return c.notFound();
    const ext = rel.split(".").pop() ?? "";
    const type = TYPES[ext];
    if (!type) return c.notFound();
    try {
      const body = await Deno.readFile(new URL(rel, ROOT));
      return c.body(body, 200, { "content-type": type, "cache-control": "no-cache" });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) return c.notFound();
      throw e;
    }
  });
  return app;
}
