/** `GET /api/openapi.json`: the OpenAPI 3.1 document of the REST API (`lib/openapi.ts`). */
import { Hono } from "hono";
import { openApiDocument } from "../lib/openapi.ts";

/** The API version the document states. */
export const API_VERSION = "1.0.0";

export function openApiRoutes(): Hono {
  const app = new Hono();
  let cached: string | null = null;
  app.get("/api/openapi.json", (c) => {
    cached ??= JSON.stringify(openApiDocument(API_VERSION));
    return c.body(cached, 200, { "content-type": "application/json; charset=utf-8" });
  });
  return app;
}
