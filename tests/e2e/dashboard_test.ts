/**
 * Browser tests of the pages (issue 4), against a real server fed through HTTP ingest, in
 * Debian's Chromium. One browser for the file; each test opens its own pages. Screenshots
 * go to test-results/ (git-ignored) for a reviewer.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { keys } from "../../actors/keys.ts";
import { cowrie, startServer, type TestServer, TOKEN } from "../_helpers.ts";
import { CHROMIUM, hasChromium, launch, screenshotPath } from "./_browser.ts";

const bundled = (() => {
  try {
    return Deno.statSync(new URL("../../static/dist/client.js", import.meta.url)).isFile;
  } catch {
    return false;
  }
})();
const skip = !hasChromium()
  ? `${CHROMIUM} not found (apt-get install chromium)`
  : !bundled
  ? "static/dist/client.js missing (deno task bundle)"
  : "";
if (skip) {
  // deno-lint-ignore no-console
  console.log(`SKIP dashboard browser tests: ${skip}`);
}

async function ingest(srv: TestServer, records: Record<string, unknown>[], sensor = "e2e"): Promise<void> {
  const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=${sensor}`, {
    method: "POST",
    body: records.map((r) => JSON.stringify(r)).join("\n"),
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 200, await res.text());
  await srv.rt.flush(); // aggregates (top lists, counters) reach KV on the flush tick
}

/** `n` failed logins from `ip`, a second apart, ending now. */
function bruteForce(ip: string, n = 6, fields: Record<string, unknown> = {}): Record<string, unknown>[] {
  const start = Date.now() - n * 1000;
  return Array.from({ length: n }, (_, i) =>
    cowrie("cowrie.login.failed", ip, start + i * 1000, {
      username: "root",
      password: `pw${i}`,
      ...fields,
    }));
}

/** Requests for 16 distinct ports from `ip` within a minute (CrowdSec's multi-port scan). */
function portScan(ip: string): Record<string, unknown>[] {
  const start = Date.now() - 20_000;
  return Array.from({ length: 16 }, (_, i) =>
    cowrie("cowrie.direct-tcpip.request", ip, start + i * 1000, {
      dst_ip: "198.18.0.1",
      dst_port: 1000 + i,
    }));
}

/** Wait until `selector` matches exactly `n` elements (the island re-renders after an input). */
async function countIs(page: Page, selector: string, n: number): Promise<number> {
  await page.waitForFunction(
    ([sel, want]) => document.querySelectorAll(sel as string).length === want,
    [selector, n] as const,
    { timeout: 5000 },
  ).catch(() => {});
  return await page.locator(selector).count();
}

/** Resolves once nothing makes the page wider than the viewport (charts resize after a viewport change). */
async function fitsWidth(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.scrollWidth <= globalThis.innerWidth, null, {
    timeout: 5000,
  });
}

/** Collect page errors and console errors (CSP violations are console errors too). */
function watch(page: Page): { errors: string[]; dialogs: string[] } {
  const out = { errors: [] as string[], dialogs: [] as string[] };
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && out.errors.push(m.text()));
  page.on("dialog", (d) => {
    out.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  return out;
}

type Case = (srv: TestServer, b: Browser) => Promise<void>;
const cases: [name: string, fn: Case][] = [];
/** Register a case; all run as steps of one test sharing one browser, each with its own server. */
function browserTest(name: string, fn: Case): void {
  cases.push([name, fn]);
}

browserTest(
  "dashboard - hydrates, shows an anomaly that arrives after load; filters and pause work",
  async (srv, b) => {
    const ctx = await b.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await ctx.newPage();
      const seen = watch(page);
      await page.goto(srv.url);
      // Readable before any script ran: the server-rendered empty feed and the counters.
      assert.match(await page.textContent("section.feed") ?? "", /No anomalies yet/);
      assert.equal(await page.textContent('[data-counter="open"]'), "0");
      await page.waitForSelector('[data-status="live"]', { timeout: 10_000 });
      // Keyboard: the first Tab reaches the skip link.
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");

      await ingest(srv, bruteForce("203.0.113.10"), "sensor-a");
      const row = await page.waitForSelector('li.anomaly[data-type="brute_force"]', { timeout: 10_000 });
      assert.match(await row.textContent() ?? "", /203\.0\.113\.10/);
      await ingest(srv, portScan("203.0.113.20"), "sensor-b");
      await page.waitForSelector('li.anomaly[data-type="port_scan"]', { timeout: 10_000 });

      // Filters: by type, then by sensor.
      await page.selectOption('select[name="type"]', "port_scan");
      assert.equal(await countIs(page, 'li.anomaly[data-type="brute_force"]', 0), 0);
      assert.equal(await countIs(page, 'li.anomaly[data-type="port_scan"]', 1), 1);
      assert.match(await page.textContent('[data-role="count"]') ?? "", /1 of 2 shown/);
      await page.selectOption('select[name="type"]', "");
      await page.selectOption('select[name="sensor"]', "sensor-a");
      assert.equal(await countIs(page, "li.anomaly", 1), 1);
      assert.match(await page.textContent("li.anomaly") ?? "", /203\.0\.113\.10/);
      await page.selectOption('select[name="sensor"]', "");
      await page.selectOption('select[name="minSeverity"]', "critical");
      assert.equal(await countIs(page, "li.anomaly", 0), 0);
      await page.selectOption('select[name="minSeverity"]', "");
      assert.equal(await countIs(page, "li.anomaly", 2), 2);

      // Pause: a new anomaly is held back and counted; resume shows it.
      await page.click('button[data-action="pause"]');
      await ingest(srv, bruteForce("203.0.113.30"), "sensor-a");
      await page.waitForSelector('button[data-action="pause"]:has-text("Resume (1 new)")', {
        timeout: 10_000,
      });
      assert.equal(await page.locator('li.anomaly:has-text("203.0.113.30")').count(), 0);
      await page.click('button[data-action="pause"]');
      await page.waitForSelector('li.anomaly:has-text("203.0.113.30")', { timeout: 5000 });
      assert.equal(await countIs(page, "li.anomaly", 3), 3);

      // Keyboard: the pause button works with Enter.
      await page.focus('button[data-action="pause"]');
      await page.keyboard.press("Enter");
      assert.equal(await page.getAttribute('button[data-action="pause"]', "aria-pressed"), "true");
      await page.keyboard.press("Enter");

      // Charts load their chunk and draw; the top lists and counters come from the stats.
      const chartChunk = page.waitForRequest((r) => /\/static\/dist\/_chart-[^/]*\.js$/.test(r.url()));
      await page.reload();
      await chartChunk;
      await page.waitForSelector('[data-island="EventsChart"][data-hydrated] canvas', { timeout: 10_000 });
      assert.match(await page.textContent('[data-top="ip"]') ?? "", /203\.0\.113\.20/);
      assert.equal(await page.textContent('[data-counter="attackers"]'), "3");
      assert.equal(await page.textContent('[data-counter="open"]'), "3");
      await page.screenshot({ path: await screenshotPath("dashboard_1280_light"), fullPage: true });
      await page.emulateMedia({ colorScheme: "dark" });
      await page.setViewportSize({ width: 390, height: 844 });
      await fitsWidth(page);
      await page.screenshot({ path: await screenshotPath("dashboard_phone_dark"), fullPage: true });
      assert.deepEqual(seen.errors, []);
    } finally {
      await ctx.close();
    }
  },
);

browserTest("dashboard - after a lost connection the feed resumes from Last-Event-ID", async (srv, b) => {
  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await ctx.newPage();
    const seen = watch(page);
    // The first stream ends at once after giving id 0 (as a dropped connection would); the
    // reconnect is held until an anomaly was published in between, then goes to the server.
    let streams = 0;
    const { promise: released, resolve: release } = Promise.withResolvers<void>();
    await page.route("**/api/stream*", async (route) => {
      streams++;
      if (streams === 1) {
        return await route.fulfill({
          status: 200,
          headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
          body: "retry: 100\nid: 0\ndata: {}\n\n",
        });
      }
      if (streams === 2) await released;
      await route.continue();
    });
    await page.goto(srv.url);
    await page.waitForSelector('[data-status="reconnecting"]', { timeout: 10_000 });
    await ingest(srv, bruteForce("203.0.113.50"), "sensor-a");
    const published = srv.rt.hub.published;
    release();
    await page.waitForSelector('[data-status="live"]', { timeout: 10_000 });
    // Published before the reconnect reached the server: only a resume from id 0 (the hub's
    // ring of recent messages) delivers it.
    await page.waitForSelector('li.anomaly:has-text("203.0.113.50")', { timeout: 10_000 });
    assert.equal(
      srv.rt.hub.published,
      published,
      "nothing was published after the reconnect reached the server",
    );
    assert.equal(streams, 2);
    assert.deepEqual(seen.errors.filter((e) => !/api\/stream/.test(e)), []);
  } finally {
    await ctx.close();
  }
});

browserTest("attacker page - shows the session transcript, anomalies and related IPs", async (srv, b) => {
  const ip = "198.51.100.44";
  const t = Date.now() - 60_000;
  const s = { session: "feedc0ffee01" };
  await ingest(srv, [
    cowrie("cowrie.session.connect", ip, t, { ...s, src_port: 50123, dst_port: 22 }),
    cowrie("cowrie.client.version", ip, t + 100, { ...s, version: "SSH-2.0-Go" }),
    ...Array.from(
      { length: 5 },
      (_, i) =>
        cowrie("cowrie.login.failed", ip, t + 1000 + i * 1000, {
          ...s,
          username: "root",
          password: `pw${i}`,
        }),
    ),
    cowrie("cowrie.login.success", ip, t + 7000, { ...s, username: "root", password: "toor" }),
    cowrie("cowrie.command.input", ip, t + 8000, { ...s, input: "uname -a" }),
    cowrie("cowrie.session.file_download", ip, t + 9000, {
      ...s,
      url: "http://203.0.113.5/bot.sh",
      shasum: "ab".repeat(32),
      outfile: "var/lib/cowrie/downloads/abab",
    }),
    cowrie("cowrie.session.closed", ip, t + 10_000, { ...s, duration: 10.2 }),
    // Another source with the same credentials is related.
    cowrie("cowrie.login.success", "198.51.100.45", t + 3000, {
      session: "other0001",
      username: "root",
      password: "toor",
    }),
  ]);
  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await ctx.newPage();
    const seen = watch(page);
    const res = await page.goto(`${srv.url}/ip/${ip}`);
    assert.equal(res?.status(), 200);
    const session = page.locator('article.session[data-session="feedc0ffee01"]');
    const text = await session.textContent() ?? "";
    assert.match(text, /login ok\s*root\s*\/\s*toor/);
    assert.match(text, /\$\s*uname -a/);
    assert.match(text, /http:\/\/203\.0\.113\.5\/bot\.sh/);
    assert.match(text, new RegExp(`sha256\\s*${"ab".repeat(32)}`));
    assert.match(text, /closed\s*after 10s/);
    assert.match(text, /SSH-2\.0-Go/);
    // Events in time order: connect first, closed last.
    const kinds = await session.locator("li").evaluateAll((els) =>
      els.map((e) => e.getAttribute("data-kind"))
    );
    assert.equal(kinds[0], "connect", JSON.stringify(kinds));
    assert.equal(kinds.at(-1), "closed");
    assert.match(await page.textContent(".anomaly-detail") ?? "", /failed logins in 10m/);
    assert.match(await page.textContent(".related") ?? "", /198\.51\.100\.45/);
    await page.waitForSelector('[data-island="ScoreTimeline"][data-hydrated] canvas', { timeout: 10_000 });
    await page.screenshot({ path: await screenshotPath("attacker_1280_light"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 390, height: 844 });
    await fitsWidth(page);
    await page.screenshot({ path: await screenshotPath("attacker_phone_dark"), fullPage: true });
    assert.deepEqual(seen.errors, []);

    const missing = await page.goto(`${srv.url}/ip/192.0.2.99`);
    assert.equal(missing?.status(), 404);
    const bad = await page.goto(`${srv.url}/ip/not-an-ip`);
    assert.equal(bad?.status(), 400);
  } finally {
    await ctx.close();
  }
});

/** Payloads that would run script, inject elements or break out of attributes if handled as markup. */
const XSS = [
  `<script>window.__xss=1;alert(1)</script>`,
  `"><img src=x onerror="window.__xss=1;alert(2)">`,
  `'><svg onload=alert(3)>`,
  `</script><script>alert(4)</script>`,
  `<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>`,
  `javascript:alert(5)`,
  `{{constructor.constructor('alert(6)')()}}`,
  `<a href="javascript:alert(7)">x</a>`,
  `\u2028<style>body{display:none}</style>`,
  `<!--<img src=x onerror=alert(8)>-->`,
];

browserTest("xss corpus - attacker strings are inert text on every page", async (srv, b) => {
  const ip = "198.51.100.66";
  const t = Date.now() - 30_000;
  const records = XSS.flatMap((p, i) => [
    cowrie("cowrie.client.version", ip, t + i * 100, { session: `x${i}`, version: p }),
    cowrie("cowrie.login.failed", ip, t + i * 100 + 10, { session: `x${i}`, username: p, password: p }),
    cowrie("cowrie.command.input", ip, t + i * 100 + 20, { session: `x${i}`, input: p }),
    cowrie("cowrie.session.file_download", ip, t + i * 100 + 30, {
      session: `x${i}`,
      url: p,
      shasum: "cd".repeat(32),
    }),
  ]);
  await ingest(srv, records, "xss");
  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await ctx.newPage();
    const seen = watch(page);
    for (const path of ["/", `/ip/${ip}`, `/anomalies?q=${ip}`]) {
      await page.goto(srv.url + path);
      await page.waitForFunction(() =>
        [...document.querySelectorAll("[data-island]")].every((e) => e.hasAttribute("data-hydrated"))
      );
      const injected = await page.evaluate(() => ({
        flag: (globalThis as unknown as { __xss?: number }).__xss ?? null,
        elements: document.querySelectorAll(
          'main img, main svg, main iframe, main style, main script:not([type="application/json"]), main a[href^="javascript:"]',
        ).length,
      }));
      assert.deepEqual(injected, { flag: null, elements: 0 }, path);
    }
    // On the attacker page each payload shows literally, as the username, command and URL.
    await page.goto(`${srv.url}/ip/${ip}`);
    const text = await page.textContent("main") ?? "";
    for (const p of XSS) assert.ok(text.includes(p), `not shown literally: ${p}`);
    await page.goto(srv.url);
    const tops = await page.textContent(".tops") ?? "";
    assert.ok(tops.includes(XSS[0]), "the top usernames show the payload as text");
    await page.screenshot({ path: await screenshotPath("xss_corpus_dashboard"), fullPage: true });
    assert.deepEqual(seen.dialogs, []);
    assert.deepEqual(seen.errors, []);
  } finally {
    await ctx.close();
  }
});

browserTest("anomalies page - marking a false positive reaches /api/update and is stored", async (srv, b) => {
  await ingest(srv, bruteForce("203.0.113.77"), "fp");
  await ingest(srv, portScan("203.0.113.78"), "fp");
  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await ctx.newPage();
    const seen = watch(page);
    const scripts: string[] = [];
    page.on("request", (r) => r.resourceType() === "script" && scripts.push(new URL(r.url()).pathname));
    await page.goto(`${srv.url}/anomalies?type=brute_force`);
    const row = page.locator("tr[data-id]");
    assert.equal(await row.count(), 1);
    const id = await row.getAttribute("data-id") ?? "";
    assert.match(id, /^brute_force-/);
    await page.waitForSelector('tr[data-id] [data-island="FeedbackButtons"][data-hydrated]');
    // No chart on this page: chart.js's chunk is not fetched.
    assert.ok(scripts.some((s) => /FeedbackButtons/.test(s)), JSON.stringify(scripts));
    assert.ok(!scripts.some((s) => /_chart/.test(s)), JSON.stringify(scripts));
    const [req] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith("/api/update") && r.method() === "POST"),
      row.locator('button[data-feedback="false_positive"]').click(),
    ]);
    assert.deepEqual(req.postDataJSON(), { anomalyId: id, label: "false_positive" });
    await page.waitForSelector('button[data-feedback="false_positive"][aria-pressed="true"]');
    const stored = await srv.kv.get<{ label: string }>(keys.feedback(id));
    assert.equal(stored.value?.label, "false_positive");
    // After a reload the label is rendered by the server.
    await page.reload();
    assert.match(await row.textContent() ?? "", /marked false positive/);
    // Search narrows by text; paging keeps filters.
    await page.goto(`${srv.url}/anomalies?q=203.0.113.78`);
    assert.equal(await countIs(page, "tr[data-id]", 1), 1);
    assert.match(await page.textContent("tr[data-id]") ?? "", /port scan/);
    await page.screenshot({ path: await screenshotPath("anomalies_1280_light"), fullPage: true });
    await page.goto(`${srv.url}/sensors`);
    assert.match(await page.textContent("table.sensors") ?? "", /fp/);
    await page.screenshot({ path: await screenshotPath("sensors_1280_light"), fullPage: true });
    assert.deepEqual(seen.errors, []);
  } finally {
    await ctx.close();
  }
});

Deno.test({
  name: "pages - in Chromium, fed through real ingest" + (skip ? ` (skipped: ${skip})` : ""),
  ignore: skip !== "",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const b = await launch();
    try {
      for (const [name, fn] of cases) {
        await t.step(name, async () => {
          const srv = await startServer();
          try {
            await fn(srv, b);
          } finally {
            await srv.close();
          }
        });
      }
    } finally {
      await b.close();
    }
  },
});
