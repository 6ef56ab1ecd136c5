/** `GET/POST /login` and `POST /logout`: the session cookie for `--ui-token`. */
import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { tokensEqual } from "../lib/auth.ts";
import type { Runtime } from "../lib/runtime.ts";
import { Layout } from "./_layout.tsx";
import { html } from "./_page.tsx";
import { SESSION_COOKIE, sessionValue } from "./_ui_auth.ts";

/** Where to go after login: a local path only (no `//host` or scheme). */
export function safeNext(v: unknown): string {
  return typeof v === "string" && v.startsWith("/") && !v.startsWith("//") && !v.startsWith("/\\") ? v : "/";
}

function LoginForm({ next, error }: { next: string; error?: string }) {
  return (
    <Layout title="Log in">
      <h1>Log in</h1>
      <form class="card login" method="post" action="/login">
        <input type="hidden" name="next" value={next} />
        <label>
          Access token
          <input type="password" name="token" autocomplete="current-password" required autofocus />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="btn">Log in</button>
      </form>
    </Layout>
  );
}

export function loginRoutes(rt: Runtime): Hono {
  const app = new Hono();
  app.get("/login", (c) => {
    if (!rt.config.uiToken) return c.redirect("/", 303);
    return html(c, <LoginForm next={safeNext(c.req.query("next"))} />);
  });
  app.post("/login", async (c) => {
    const uiToken = rt.config.uiToken;
    if (!uiToken) return c.redirect("/", 303);
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    const token = typeof form.token === "string" ? form.token : "";
    if (!(await tokensEqual(token, uiToken))) {
      return html(c, <LoginForm next={next} error="That token is not right." />, 401);
    }
    setCookie(c, SESSION_COOKIE, await sessionValue(uiToken), {
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      path: "/",
      maxAge: 30 * 86_400,
    });
    return c.redirect(next, 303);
  });
  app.post("/logout", (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect("/login", 303);
  });
  return app;
}
