/** Middleware shared by every route: security headers and the one error handler. */
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { HttpError } from "../lib/http_error.ts";
import { log } from "../lib/log.ts";

/** Strict CSP: no inline script (island props are JSON data), no third-party origins. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Adds security headers to every response. */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next();
    const h = c.res.headers;
    if (c.res.status === 101) return; // WebSocket upgrade: headers are fixed
    h.set("content-security-policy", CSP);
    h.set("x-content-type-options", "nosniff");
    h.set("referrer-policy", "no-referrer");
    h.set("x-frame-options", "DENY");
    h.set("cross-origin-opener-policy", "same-origin");
  };
}

/** The one error handler: HttpError keeps its status and message; anything else is a bare 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof HttpError) {
    return c.json({ error: err.code, message: err.message }, err.status as 400);
  }
  if (err instanceof HTTPException) {
    return c.json({ error: "error", message: err.message }, err.status);
  }
  log.error("unhandled error", { path: c.req.path, error: String(err), stack: err.stack });
  return c.json({ error: "internal", message: "Internal server error" }, 500);
}
