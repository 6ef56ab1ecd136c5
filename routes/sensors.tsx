/** `/sensors`: each collector's health and lag, kept live by the SensorTable island. */
import { Hono } from "hono";
import { SensorTable } from "../islands/SensorTable.tsx";
import { Island } from "../lib/island.tsx";
import type { Runtime } from "../lib/runtime.ts";
import { Layout } from "./_layout.tsx";
import { html } from "./_page.tsx";

export function sensorsRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.get("/sensors", async (c) =>
    html(
      c,
      <Layout title="Sensors" current="/sensors">
        <h1>Sensors</h1>
        <p class="muted">
          Lag is what the collector has yet to read from its logs; spool is what it has read but the server
          has not yet acknowledged. A sensor is connected while its uplink is open.
        </p>
        <section class="card">
          <Island
            name="SensorTable"
            id="sensors-full"
            component={SensorTable}
            props={{ initial: await rt.sensors.list(), full: true }}
          />
        </section>
      </Layout>,
    ));
  return app;
}
