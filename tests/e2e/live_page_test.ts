import assert from "node:assert/strict";
import { failedLogins, startServer, TOKEN } from "../_helpers.ts";
import { CHROMIUM, hasChromium, launch, screenshotPath } from "./_browser.ts";

const bundle = new URL("../../static/dist/client.js", import.meta.url);
const bundled = (() => {
  try {
    return Deno.statSync(bundle).isFile;
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
  console.log(`SKIP browser tests: ${skip}`);
}

Deno.test({
  name: "live page - hydrates and shows an anomaly that arrives after load" +
    (skip ? ` (skipped: ${skip})` : ""),
  ignore: skip !== "",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startServer();
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      await page.goto(srv.url);
      // Server-rendered before any script: the empty feed text.
      assert.match(await page.textContent("section.feed") ?? "", /No anomalies yet/);
      // Hydrated: the island opened its EventSource.
      await page.waitForSelector('[data-status="live"]', { timeout: 10_000 });

      const body = failedLogins("203.0.113.77", Date.parse("2026-11-25T10:00:00Z"), 6, 1000)
        .map((r) => JSON.stringify(r)).join("\n");
      const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=e2e`, {
        method: "POST",
        body,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();

      const row = await page.waitForSelector('li.anomaly[data-type="brute_force"]', { timeout: 10_000 });
      const text = await row.textContent() ?? "";
      assert.match(text, /203\.0\.113\.77/);
      assert.match(text, /failed logins in 10m/);
      await page.screenshot({ path: await screenshotPath("live_page"), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await srv.close();
    }
  },
});
