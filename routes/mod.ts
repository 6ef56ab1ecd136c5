/**
 * The app factory: every route mounted in one place. `main.ts` and the tests call
 * `createApp(runtime)`.
 */
import { Hono } from "hono";
import type { Runtime } from "../lib/runtime.ts";
import { accessOf } from "../lib/access/mod.ts";
import { apiAccess, clientRateLimit } from "./_access.ts";
import { onError, securityHeaders } from "./_middleware.ts";
import { uiAuth } from "./_ui_auth.ts";
import { adminRoutes } from "./admin.ts";
import { anomaliesRoutes } from "./anomalies.tsx";
import { apiRoutes } from "./api.ts";
import { campaignsRoutes } from "./campaigns.tsx";
import { sessionsRoutes } from "./sessions.ts";
import { exploreRoutes } from "./explore.tsx";
import { exportRoutes } from "./export.ts";
import { openApiRoutes } from "./openapi.ts";
import { feedbackRoutes } from "./feedback.ts";
import { modelsRoutes } from "./models.tsx";
import { indexRoutes } from "./index.tsx";
import { ingestRoutes } from "./ingest.ts";
import { ipRoutes } from "./ip.tsx";
import { loginRoutes } from "./login.tsx";
import { opsRoutes } from "./ops.tsx";
import { publicRoutes } from "./public.tsx";
import { sensorsRoutes } from "./sensors.tsx";
import { staticRoutes } from "./static.ts";
import { statsRoutes } from "./stats.ts";
import { streamRoutes } from "./stream.ts";
import { ttylogRoutes } from "./ttylogs.ts";

export function createApp(rt: Runtime): Hono {
  const app = new Hono();
  app.use(securityHeaders());
  app.use(clientRateLimit(accessOf(rt).ipLimiter));
  app.use(uiAuth({
    uiToken: rt.config.uiToken,
    apiTokens: [rt.config.readToken, rt.config.adminToken],
    publicView: rt.config.publicView,
  }));
  app.use(
    "/api/*",
    apiAccess({
      readToken: rt.config.readToken,
      adminToken: rt.config.adminToken,
      uiToken: rt.config.uiToken,
    }),
  );
  app.onError(onError);
  app.notFound((c) =>
    c.json({ error: "not_found", message: `No route for ${c.req.method} ${c.req.path}` }, 404)
  );
  app.route("/", ingestRoutes(rt));
  app.route("/", streamRoutes(rt));
  app.route("/", apiRoutes(rt));
  app.route("/", exportRoutes(rt));
  app.route("/", openApiRoutes());
  app.route("/", adminRoutes(rt));
  app.route("/", statsRoutes(rt));
  app.route("/", feedbackRoutes(rt));
  app.route("/", modelsRoutes(rt));
  app.route("/", indexRoutes(rt));
  app.route("/", campaignsRoutes(rt));
  app.route("/", sessionsRoutes(rt));
  app.route("/", ttylogRoutes(rt));
  app.route("/", exploreRoutes(rt));
  app.route("/", ipRoutes(rt));
  app.route("/", anomaliesRoutes(rt));
  app.route("/", sensorsRoutes(rt));
  app.route("/", loginRoutes(rt));
  app.route("/", publicRoutes(rt));
  app.route("/", opsRoutes(rt));
  app.route("/", staticRoutes());
  return app;
}
