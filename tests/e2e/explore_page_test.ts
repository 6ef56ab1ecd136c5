import assert from "node:assert/strict";
import { startServer, TOKEN } from "../_helpers.ts";
import { GEN_START, generatedLines } from "../lib/eda/_data.ts";
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
  console.log(`SKIP explore/campaigns browser test: ${skip}`);
}

Deno.test({
  name: "explore and campaigns pages - draw under the strict CSP with no errors" +
    (skip ? ` (skipped: ${skip})` : ""),
  ignore: skip !== "",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startServer();
    const browser = await launch();
    try {
      // Generated traffic plus a botnet of 8 IPs sharing one uncommon list, 3 tries each.
      const botnet = Array.from({ length: 24 }, (_, i) =>
        JSON.stringify({
          eventid: "cowrie.login.failed",
          timestamp: new Date(GEN_START + 600_000 + i * 60_000).toISOString(),
          src_ip: `198.51.100.${Math.floor(i / 3) + 1}`,
          session: `b${Math.floor(i / 3)}`,
          username: "svc",
          password: ["Wint3r!", "Spr1ng!", "Summ3r!"][i % 3],
        }));
      const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=hp1`, {
        method: "POST",
        body: [...generatedLines(2000), ...botnet].join("\n"),
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      const since = new Date(GEN_START).toISOString();
      await page.goto(`${srv.url}/explore?since=${since}`);
      await page.waitForSelector(".eda-charts:not([data-drawn='0'])", { timeout: 20_000 });
      const canvases = await page.locator("canvas[data-chart]").count();
      assert.equal(await page.getAttribute(".eda-charts", "data-drawn"), String(canvases));
      // The heatmap's colours come from classes in the stylesheet (no inline style under the CSP).
      const bg = await page.$eval("td.corr.p5", (td) => getComputedStyle(td).backgroundColor);
      assert.equal(bg, "rgb(185, 28, 28)");
      await page.screenshot({ path: await screenshotPath("explore_page"), fullPage: false });

      await page.goto(`${srv.url}/campaigns`);
      const row = page.locator("tr[data-campaign]");
      assert.equal(await row.count(), 1);
      assert.match(await row.textContent() ?? "", /credential list\s*8\s*24/);
      assert.equal(await page.locator("svg rect.bar").count() > 0, true);
      await page.screenshot({ path: await screenshotPath("campaigns_page"), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await srv.close();
    }
  },
});
