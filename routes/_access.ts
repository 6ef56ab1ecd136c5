/**
 * API roles and per-client rate limits (docs/security.md).
 *
 * - public: `/api/health*`, `/api/ready`, `/api/openapi.json`; `/api/ingest` and `PUT /api/ttylogs/:sha256`
 *   check ingest tokens themselves.
 * - read: every other GET under `/api` (lists, exports, live streams) and `POST /api/predict` need the read or the
 *   admin token once either is configured; with neither, reads are open (single-user mode).
 * - admin: every other method under `/api` (feedback) and all of `/api/admin/`. With no admin
 *   token, `/api/admin/` is off and the rest follows read.
 * - People logged in to the UI (`--ui-token` session cookie or bearer, routes/_ui_auth.ts) may
 *   read and give feedback (`POST /api/update`), never manage tokens.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/deno";
import type { RateLimiter } from "../lib/access/mod.ts";
import { bearerToken, checksIngestToken, tokensEqual } from "../lib/auth.ts";
import { HttpError } from "../lib/http_error.ts";
import { hasSession } from "./_ui_auth.ts";

/** The role a request needs. */
export type Role = "public" | "read" | "admin";

/** Probes and the API description. */
const PUBLIC = new Set(["/api/health", "/api/ready", "/api/openapi.json"]);

/** What a path and method need. */
export function roleOf(method: string, path: string): Role {
  if (!path.startsWith("/api/")) return "public";
  if (PUBLIC.has(path) || path.startsWith("/api/health/")) return "public";
  if (checksIngestToken(method, path)) return "public";
  if (path === "/api/predict") return "read"; // POST, but scores without learning
  if (path.startsWith("/api/admin/")) return "admin";
  return method === "GET" || method === "HEAD" ? "read" : "admin";
}

export interface ApiAccessOptions {
  readToken?: string;
  adminToken?: string;
  /** The UI login token: its session or bearer reads and gives feedback. */
  uiToken?: string;
}

function unauthorized(role: Role): HttpError {
  return new HttpError(
    401,
    `This endpoint needs the ${role} token: Authorization: Bearer TOKEN`,
    "unauthorized",
  );
}

/** Role checks on `/api/*` by bearer token. */
export function apiAccess(o: ApiAccessOptions): MiddlewareHandler {
  const anyToken = o.readToken !== undefined || o.adminToken !== undefined;
  return async function apiAccess(c, next) {
    const role = roleOf(c.req.method, c.req.path);
    if (role === "public") return await next();
    const given = bearerToken(c.req.header("authorization"));
    const isAdmin = given !== null && o.adminToken !== undefined && await tokensEqual(given, o.adminToken);
    const isUi = o.uiToken !== undefined && !isAdmin &&
      (given !== null ? await tokensEqual(given, o.uiToken) : await hasSession(c, o.uiToken));
    if (role === "admin") {
      const management = c.req.path.startsWith("/api/admin/");
      if (management && o.adminToken === undefined) {
        throw new HttpError(403, "The admin API is off: start the server with --admin-token", "forbidden");
      }
      if (isAdmin) return await next();
      if (!management && isUi && c.req.path === "/api/update") return await next(); // feedback from the UI
      if (!management && !anyToken) return await next(); // open single-user mode
      if (o.adminToken === undefined) {
        throw new HttpError(403, "Changes need --admin-token to be configured", "forbidden");
      }
      throw withChallenge(c, unauthorized("admin"));
    }
    if (!anyToken || isAdmin || isUi) return await next();
    if (given !== null && o.readToken !== undefined && await tokensEqual(given, o.readToken)) {
      return await next();
    }
    throw withChallenge(c, unauthorized("read"));
  };
}

function withChallenge(c: Context, e: HttpError): HttpError {
  c.header("www-authenticate", 'Bearer realm="honeywatch"');
  return e;
}

/** The client's address as the socket says (no proxy header is trusted), or null in-process. */
export function clientIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // app.request() in tests: no socket
  }
}

/** 429 with Retry-After once a client IP has used up its bucket. */
export function clientRateLimit(limiter: RateLimiter | null): MiddlewareHandler {
  return async function clientRateLimit(c, next) {
    const ip = limiter ? clientIp(c) : null;
    if (limiter && ip !== null) {
      const t = limiter.take(ip);
      if (!t.ok) {
        c.header("retry-after", String(Math.max(1, Math.ceil(t.retryAfterMs / 1000))));
        throw new HttpError(429, `Too many requests from ${ip}; retry later`, "rate_limited");
      }
    }
    await next();
  };
}
