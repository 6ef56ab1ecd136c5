/**
 * Token management for admins (`--admin-token`): per-sensor ingest tokens, issued once and
 * stored as SHA-256, listed without secrets, revoked by name. `deno task token` does the same
 * from a shell on the server's KV.
 */
import { Hono } from "hono";
import {
  accessOf,
  issueSensorToken,
  listSensorTokens,
  revokeSensorToken,
  type SensorTokenView,
  tokenView,
} from "../lib/access/mod.ts";
import { HttpError } from "../lib/http_error.ts";
import type { Runtime } from "../lib/runtime.ts";
import { SensorName } from "../lib/schema.ts";

function sensorParam(v: string): string {
  const r = SensorName.safeParse(v);
  if (!r.success) throw new HttpError(400, `Sensor name ${JSON.stringify(v)}: ${r.error.issues[0].message}`);
  return r.data;
}

export function adminRoutes(rt: Runtime): Hono {
  const app = new Hono();

  app.get("/api/admin/tokens", async (c) => {
    const items: SensorTokenView[] = (await listSensorTokens(rt.kv)).map((r) => tokenView(r, "kv"));
    for (const sensor of Object.keys(rt.config.sensorTokens ?? {})) {
      items.push({ sensor, created: "", revoked: false, revokedAt: null, source: "config" });
    }
    return c.json({ items });
  });

  app.post("/api/admin/tokens/:sensor", async (c) => {
    const sensor = sensorParam(c.req.param("sensor"));
    const token = await issueSensorToken(rt.kv, sensor, rt.clock.now());
    accessOf(rt).ingest.forget(sensor);
    return c.json({ sensor, token, note: "Shown once; only its SHA-256 is stored" }, 201);
  });

  app.delete("/api/admin/tokens/:sensor", async (c) => {
    const sensor = sensorParam(c.req.param("sensor"));
    if (!(await revokeSensorToken(rt.kv, sensor, rt.clock.now()))) {
      throw new HttpError(404, `Sensor ${JSON.stringify(sensor)} has no token in KV`, "not_found");
    }
    accessOf(rt).ingest.forget(sensor);
    return c.json({ sensor, revoked: true });
  });

  return app;
}
