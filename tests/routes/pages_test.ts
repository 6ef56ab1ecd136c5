import assert from "node:assert/strict";
import { cowrie, startServer, TOKEN } from "../_helpers.ts";

/** Five failed logins from each of `n` IPs: one brute_force anomaly per IP. */
function attacks(n: number): string {
  const t = Date.now() - 60_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 5; j++) {
      lines.push(JSON.stringify(
        cowrie("cowrie.login.failed", `198.51.${100 + Math.floor(i / 200)}.${i % 200 + 1}`, t + i * 10 + j, {
          session: `s${i}`,
          username: "root",
          password: `p${j}`,
        }),
      ));
    }
  }
  return lines.join("\n");
}

Deno.test("pages - readable without JS: the dashboard lists anomalies, counters and top values", async () => {
  const srv = await startServer();
  try {
    const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=p`, {
      method: "POST",
      body: attacks(3),
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await res.body?.cancel();
    await srv.rt.flush();
    const page = await fetch(srv.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const html = await page.text();
    assert.equal(html.match(/<li class="anomaly sev-/g)?.length, 3);
    assert.match(html, /data-counter="attackers">3</);
    assert.match(html, /data-top="username"[\s\S]*root[\s\S]*15/);
    assert.ok(
      !/<script(?![^>]*(type="application\/json"|src="\/static\/dist\/client\.js"))/.test(html),
      "no inline script",
    );
    assert.ok(!/ style="/.test(html), "no inline style attribute (CSP style-src 'self')");
  } finally {
    await srv.close();
  }
});

Deno.test("pages - the anomaly history pages with a cursor and keeps its filters", async () => {
  const srv = await startServer();
  try {
    const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=p`, {
      method: "POST",
      body: attacks(60),
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await res.body?.cancel();
    const first = await (await fetch(`${srv.url}/anomalies?type=brute_force`)).text();
    assert.equal(first.match(/<tr data-id=/g)?.length, 50);
    // The sensor follows the source with a spaced separator ("198.51.100.1 · p").
    assert.match(first, /<\/a><span class="muted"> · p<\/span>/);
    const older = /href="(\/anomalies\?[^"]*cursor=[^"]*)" rel="next"/.exec(first);
    assert.ok(older, "an Older link");
    const href = older[1].replaceAll("&amp;", "&");
    assert.match(href, /type=brute_force/);
    const second = await (await fetch(srv.url + href)).text();
    assert.equal(second.match(/<tr data-id=/g)?.length, 10);
    assert.ok(!/rel="next"/.test(second), "the last page has no Older link");
    const one = await (await fetch(`${srv.url}/anomalies?q=198.51.100.7`)).text();
    assert.equal(one.match(/<tr data-id=/g)?.length, 1);
    const none = await (await fetch(`${srv.url}/anomalies?q=port+scan`)).text();
    assert.match(none, /No anomaly matches/);
  } finally {
    await srv.close();
  }
});

Deno.test("pages - a bad cursor is an HTML 400 page, not JSON", async () => {
  const srv = await startServer();
  try {
    const res = await fetch(`${srv.url}/anomalies?cursor=%25%25%25`);
    assert.equal(res.status, 400);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await res.text(), /is not one this server gave out/);
  } finally {
    await srv.close();
  }
});

Deno.test("pages - the dashboard's score chart for the last hour leaves out anomalies dated in the future", async () => {
  const srv = await startServer();
  try {
    // A sensor whose clock runs two days ahead.
    const ahead = Date.now() + 2 * 86_400_000;
    const body = Array.from(
      { length: 6 },
      (_, j) =>
        JSON.stringify(cowrie("cowrie.login.failed", "198.51.100.9", ahead + j * 1000, {
          username: "root",
          password: `p${j}`,
        })),
    ).join("\n");
    const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=p`, {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal((await res.json()).accepted, 6);
    const html = await (await fetch(`${srv.url}/?range=1h`)).text();
    assert.equal(html.match(/<li class="anomaly sev-/g)?.length, 1, "the feed still lists it");
    assert.match(html, /Anomaly scores, last 1h<\/h2><span class="muted">no anomalies in range/);
  } finally {
    await srv.close();
  }
});
