import assert from "node:assert/strict";
import { cowrie, startServer, TOKEN } from "../_helpers.ts";
import { loadConfig } from "../../lib/config.ts";
import { safeNext } from "../../routes/login.tsx";

const UI = "ui-token-0123456789";

Deno.test("ui auth - pages and read APIs need login; probes and ingest stay open", async () => {
  const srv = await startServer({ args: ["--ui-token", UI] });
  try {
    const page = await fetch(`${srv.url}/anomalies?type=x`, { redirect: "manual" });
    await page.body?.cancel();
    assert.equal(page.status, 303);
    assert.equal(page.headers.get("location"), "/login?next=%2Fanomalies%3Ftype%3Dx");
    const api = await fetch(`${srv.url}/api/stats/summary`);
    assert.equal(api.status, 401);
    assert.match((await api.json()).message, /Log in at \/login/);
    const health = await fetch(`${srv.url}/api/health`);
    await health.body?.cancel();
    assert.equal(health.status, 200);
    const ingest = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=a`, {
      method: "POST",
      body: JSON.stringify(cowrie("cowrie.session.connect", "198.51.100.9", Date.now())),
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal((await ingest.json()).accepted, 1);
    await srv.rt.flush();
    const form = await fetch(`${srv.url}/login`);
    assert.equal(form.status, 200);
    assert.match(await form.text(), /type="password" name="token"/);
    // Bearer: the UI token opens read APIs; another token does not.
    const bearer = await fetch(`${srv.url}/api/stats/summary`, {
      headers: { authorization: `Bearer ${UI}` },
    });
    assert.equal((await bearer.json()).activeAttackers, 1);
    const wrong = await fetch(`${srv.url}/api/stats/summary`, {
      headers: { authorization: `Bearer nope-nope` },
    });
    await wrong.body?.cancel();
    assert.equal(wrong.status, 401);
  } finally {
    await srv.close();
  }
});

Deno.test("ui auth - login sets an HttpOnly SameSite=Strict HMAC cookie that opens pages", async () => {
  const srv = await startServer({ args: ["--ui-token", UI] });
  try {
    const bad = await fetch(`${srv.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ token: "not-the-token", next: "/sensors" }),
      redirect: "manual",
    });
    assert.equal(bad.status, 401);
    assert.match(await bad.text(), /not right/);
    const ok = await fetch(`${srv.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ token: UI, next: "/sensors" }),
      redirect: "manual",
    });
    await ok.body?.cancel();
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get("location"), "/sensors");
    const cookie = ok.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.ok(!cookie.includes(UI), "the cookie does not carry the token itself");
    const session = cookie.split(";")[0];
    const page = await fetch(`${srv.url}/sensors`, { headers: { cookie: session } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<h1>Sensors<\/h1>/);
    const api = await fetch(`${srv.url}/api/stats/summary`, { headers: { cookie: session } });
    assert.equal(api.status, 200);
    await api.body?.cancel();
    const forged = await fetch(`${srv.url}/sensors`, {
      headers: { cookie: "hw_session=" + "0".repeat(64) },
      redirect: "manual",
    });
    await forged.body?.cancel();
    assert.equal(forged.status, 303);
  } finally {
    await srv.close();
  }
});

Deno.test("ui auth - login redirects only to local paths", () => {
  assert.equal(safeNext("/ip/1.2.3.4?x=1"), "/ip/1.2.3.4?x=1");
  assert.equal(safeNext("//evil.example/"), "/");
  assert.equal(safeNext("https://evil.example/"), "/");
  assert.equal(safeNext("/\\evil.example"), "/");
  assert.equal(safeNext(undefined), "/");
});

Deno.test("public view - redacted and open without login; off by default", async () => {
  const srv = await startServer({ args: ["--ui-token", UI, "--public-view"] });
  const off = await startServer();
  try {
    const t = Date.now() - 10_000;
    const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=pub`, {
      method: "POST",
      body: [
        cowrie("cowrie.login.failed", "203.0.113.77", t, { username: "admin", password: "Secr3tPassw0rd" }),
        cowrie("cowrie.login.failed", "203.0.113.78", t + 1, { username: "admin", password: "hunter2" }),
      ].map((r) => JSON.stringify(r)).join("\n"),
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await res.body?.cancel();
    await srv.rt.flush();
    const pub = await fetch(`${srv.url}/public`);
    assert.equal(pub.status, 200);
    const html = await pub.text();
    assert.ok(html.includes("203.0.113.0/24"), "source network shown");
    assert.ok(!html.includes("203.0.113.77") && !html.includes("203.0.113.78"), "no full address");
    assert.ok(!html.includes("Secr3tPassw0rd") && !html.includes("hunter2"), "no password");
    assert.ok(html.includes("admin"), "usernames are shown");
    const tl = await fetch(`${srv.url}/public/api/stats/timeline?since=1h`);
    assert.equal(tl.status, 200);
    assert.equal((await tl.json()).buckets.reduce((n: number, b: { total: number }) => n + b.total, 0), 2);
    const none = await fetch(`${off.url}/public`);
    await none.body?.cancel();
    assert.equal(none.status, 404);
  } finally {
    await srv.close();
    await off.close();
  }
});

Deno.test("ui auth - config: --ui-token needs 16 characters; HONEYWATCH_PUBLIC_VIEW=1 turns the view on", () => {
  assert.throws(() => loadConfig(["--ui-token", "short"], {}), /--ui-token: must be at least 16 characters/);
  assert.equal(loadConfig([], { HONEYWATCH_UI_TOKEN: UI }).uiToken, UI);
  assert.equal(loadConfig([], { HONEYWATCH_PUBLIC_VIEW: "1" }).publicView, true);
  assert.equal(loadConfig([], {}).publicView, false);
});
