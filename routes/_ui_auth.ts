/**
 * Optional login for people (`--ui-token`): pages and read APIs need either the session
 * cookie set by `POST /login` (an HMAC of the token, HttpOnly, SameSite=Strict) or
 * `Authorization: Bearer` with the UI, read or admin token. Ingest keeps its own token;
 * probes, static files, the login form and the public view stay open.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { bearerToken, checksIngestToken, tokensEqual } from "../lib/auth.ts";
import { HttpError } from "../lib/http_error.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "hw_session";

export interface UiAuthOptions {
  uiToken?: string;
  /** Other bearer tokens that also open read APIs (`--read-token`, `--admin-token`). */
  apiTokens?: readonly (string | undefined)[];
  publicView?: boolean;
}

/** The cookie value for a token: HMAC-SHA256(token, fixed label), hex. The token never leaves the server. */
export async function sessionValue(uiToken: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(uiToken),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode("honeywatch-ui-session-v1"));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Paths anyone may reach while login is on. */
export function isOpenPath(path: string, publicView: boolean, method = "GET"): boolean {
  if (path === "/login" || path === "/logout" || path.startsWith("/static/")) return true;
  if (checksIngestToken(method, path)) return true;
  if (path === "/api/health" || path.startsWith("/api/health/") || path === "/api/ready") return true;
  if (path === "/api/openapi.json" || path === "/favicon.ico") return true;
  return publicView && (path === "/public" || path.startsWith("/public/"));
}

/** Does the request carry a valid session cookie? */
export async function hasSession(c: Context, uiToken: string): Promise<boolean> {
  const got = getCookie(c, SESSION_COOKIE);
  return got !== undefined && await tokensEqual(got, await sessionValue(uiToken));
}

/** The login gate; does nothing when no UI token is configured. */
export function uiAuth(o: UiAuthOptions): MiddlewareHandler {
  const uiToken = o.uiToken;
  const accepted = [uiToken, ...(o.apiTokens ?? [])].filter((t): t is string => !!t);
  return async function uiAuth(c, next) {
    if (!uiToken || isOpenPath(c.req.path, o.publicView === true, c.req.method)) return await next();
    const bearer = bearerToken(c.req.header("authorization"));
    if (bearer !== null) {
      for (const t of accepted) if (await tokensEqual(bearer, t)) return await next();
      throw new HttpError(
        401,
        "Invalid token: Authorization: Bearer TOKEN (the UI, read or admin token)",
        "unauthorized",
      );
    }
    if (await hasSession(c, uiToken)) return await next();
    const path = c.req.path;
    if (path.startsWith("/api/") || path === "/metrics") {
      throw new HttpError(401, "Log in at /login, or send Authorization: Bearer TOKEN", "unauthorized");
    }
    const url = new URL(c.req.url);
    return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
  };
}
