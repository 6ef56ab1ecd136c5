import assert from "node:assert/strict";
import { main } from "../../../lib/eda/main.ts";
import { detectSource } from "../../../lib/eda/read.ts";
import { CHROMIUM, hasChromium, launch, screenshotPath } from "../../e2e/_browser.ts";
import { GEN_START, generatedLines, realFile } from "./_data.ts";

const EVIL = `</script><img src=x onerror="document.title='pwned'"><!--`;

/** Write generated lines plus an attacker's hostile command and a broken line; returns the dir. */
async function inputs(): Promise<{ dir: string; file: string }> {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/cowrie.json`;
  const hostile = JSON.stringify({
    eventid: "cowrie.command.input",
    timestamp: new Date(GEN_START + 1).toISOString(),
    src_ip: "192.0.2.66",
    session: "0123456789ab",
    input: EVIL,
    sensor: "gen",
  });
  await Deno.writeTextFile(
    file,
    [...generatedLines(3000), "garbage, not JSON", ...Array(30).fill(hostile)].join("\n") + "\n",
  );
  return { dir, file };
}

Deno.test("detectSource - tells Cowrie, sshd, netfilter and Zeek apart", () => {
  assert.equal(detectSource('{"eventid":"cowrie.session.connect"}\n'), "cowrie");
  assert.equal(detectSource("Dec 10 07:00:00 vm1 sshd[400]: Invalid user a from 192.0.2.1 port 1\n"), "sshd");
  assert.equal(
    detectSource("Dec 10 07:00:00 fw kernel: IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 PROTO=TCP\n"),
    "firewall",
  );
  assert.equal(detectSource("#separator \\x09\n#fields\tts\tuid\n"), "zeek");
});

const skip = hasChromium() ? "" : `${CHROMIUM} not found (apt-get install chromium)`;
if (skip) {
  // deno-lint-ignore no-console
  console.log(`SKIP EDA report browser check: ${skip}`);
}

Deno.test({
  name: "eda cli - writes a self-contained report whose charts draw offline with no script errors",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { dir, file } = await inputs();
    const out = `${dir}/report.html`;
    try {
      assert.equal(await main(["--", file, "--out", out, "--title", "Generated <b>data</b>"]), 0);
      const html = await Deno.readTextFile(out);
      // Self-contained: no external script, style or font.
      assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/cdn/);
      // The attacker's string never closes the props script nor becomes an element.
      assert.doesNotMatch(html, /<\/script><img/);
      assert.doesNotMatch(html, /<b>data<\/b>/);
      assert.match(html, /Generated &lt;b>data&lt;\/b>/);
      assert.match(html, /<section class="card" aria-labelledby="eda-quality"/);
      assert.match(html, /not_json 1/);
      if (skip) return;
      const browser = await launch();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
        // Offline: any request other than the file itself fails the test.
        await page.route(/^(?!file:)/, (r) => {
          errors.push(`network request ${r.request().url()}`);
          return r.abort();
        });
        await page.goto(`file://${out}`);
        await page.waitForSelector(".eda-charts:not([data-drawn='0'])", { timeout: 20_000 });
        const canvases = await page.locator("canvas[data-chart]").count();
        assert.equal(await page.getAttribute(".eda-charts", "data-drawn"), String(canvases));
        assert.ok(canvases >= 20, `${canvases} charts`);
        // Drawn: the PCA canvas has non-blank pixels.
        const inked = await page.$eval("canvas[data-chart=pca]", (c) => {
          const cv = c as HTMLCanvasElement;
          const px = cv.getContext("2d")!.getImageData(0, 0, cv.width, cv.height).data;
          let n = 0;
          for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
          return n;
        });
        assert.ok(inked > 1000, `PCA canvas has ${inked} drawn pixels`);
        assert.match(await page.textContent("[data-top=command]") ?? "", /<\/script><img src=x/);
        assert.equal(await page.locator("img").count(), 0);
        assert.notEqual(await page.title(), "pwned");
        await page.locator("figure:has(canvas[data-chart=pca])").screenshot({
          path: await screenshotPath("eda_report_pca"),
        });
        await page.screenshot({ path: await screenshotPath("eda_report"), fullPage: true });
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const real = realFile("pol-alvarezzz-2026.json");
Deno.test({
  name: "eda cli - a real Cowrie log" +
    (real ? "" : " (skipped: shared/data/cowrie/pol-alvarezzz-2026.json not found)"),
  ignore: real === null,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      assert.equal(await main([real!, "--out", `${dir}/r.html`]), 0);
      const html = await Deno.readTextFile(`${dir}/r.html`);
      assert.match(html, /pol-alvarezzz-2026\.json \(cowrie\)/);
      assert.match(html, /data-summary="events">5058</);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("eda cli - a missing file or no file is an error, not a crash", async () => {
  assert.equal(await main(["/nonexistent/cowrie.json", "--out", "/tmp/never.html"]), 1);
  assert.equal(await main([]), 2);
});

Deno.test("eda cli - the report's folder is created; an unwritable --out is an error, not a crash", async () => {
  const { dir, file } = await inputs();
  try {
    assert.equal(await main([file, "--out", `${dir}/new/sub/report.html`]), 0);
    assert.match(await Deno.readTextFile(`${dir}/new/sub/report.html`), /^<!DOCTYPE html>/i);
    // A file where the folder should be: nothing can be written there.
    assert.equal(await main([file, "--out", `${file}/report.html`]), 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
