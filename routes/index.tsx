/** The home page: the latest anomalies, rendered on the server and kept live by an island. */
import { Hono } from "hono";
import { renderToString } from "preact-render-to-string";
import { AnomalyFeed } from "../islands/AnomalyFeed.tsx";
import { listAnomalies } from "../lib/anomaly_store.ts";
import { Island } from "../lib/island.tsx";
import type { Runtime } from "../lib/runtime.ts";
import { Layout } from "./_layout.tsx";

export function indexRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const latest = await listAnomalies(rt.kv, { limit: 50 });
    const html = renderToString(
      <Layout title="Live">
        <Island
          name="AnomalyFeed"
          id="feed"
          component={AnomalyFeed}
          props={{ initial: latest.items, streamUrl: "/api/stream" }}
        />
      </Layout>,
    );
    return c.html("<!DOCTYPE html>" + html);
  });
  return app;
}
