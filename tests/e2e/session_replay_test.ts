import assert from "node:assert/strict";
import { cowrie, startServer, TOKEN } from "../_helpers.ts";
import { ttySession } from "../_ttylog.ts";
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
  console.log(`SKIP session replay browser test: ${skip}`);
}

const T0 = Date.parse("2026-11-25T10:00:00Z");

/** A new page that collects script errors. */
async function openPage(browser: Awaited<ReturnType<typeof launch>>) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  return { page, errors };
}
const IP = "203.0.113.90";
const EVIL = `<img src=x onerror="document.title='pwned'">`;

Deno.test({
  name: "attacker page - replays a session as text with play, pause and restart" +
    (skip ? ` (skipped: ${skip})` : ""),
  ignore: skip !== "",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startServer();
    const browser = await launch();
    try {
      const session = { session: "feedc0ffee01" };
      const records = [
        cowrie("cowrie.session.connect", IP, T0, { ...session, src_port: 40000, dst_port: 22 }),
        cowrie("cowrie.login.success", IP, T0 + 400, { ...session, username: "root", password: "toor" }),
        cowrie("cowrie.command.input", IP, T0 + 900, { ...session, input: "uname -a" }),
        cowrie("cowrie.command.input", IP, T0 + 1400, { ...session, input: EVIL }),
        cowrie("cowrie.command.input", IP, T0 + 1900, { ...session, input: "cat /proc/cpuinfo" }),
        cowrie("cowrie.session.closed", IP, T0 + 2400, { ...session, duration: 2.4 }),
      ];
      const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=hp1`, {
        method: "POST",
        body: records.map((r) => JSON.stringify(r)).join("\n"),
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();

      const { page, errors } = await openPage(browser);
      await page.goto(`${srv.url}/ip/${IP}`);
      const term = page.locator(".replay-term");
      // Server-rendered: the whole transcript, attacker markup as text.
      const lines = await term.locator(".rl").count();
      assert.equal(lines, 8);
      assert.match(await term.textContent() ?? "", /root@hp1:~\$ <img src=x onerror=/);
      assert.equal(await term.locator("img").count(), 0);

      // Hydrated: restart plays from an empty terminal to the end.
      await page.waitForSelector('.replay[data-ready="true"]', { timeout: 10_000 });
      await page.click('[data-action="restart"]');
      await page.waitForSelector('.replay-term[data-playing="true"]', { timeout: 10_000 });
      await page.waitForSelector('.replay-term[data-playing="false"]', { timeout: 20_000 });
      assert.equal(await term.locator(".rl").count(), 8);
      assert.match(await page.textContent("[data-progress]") ?? "", /8\/8 lines · 00:02 of 00:02/);

      // Pause stops the replay part-way; play resumes it.
      await page.selectOption(".replay-controls select", "1");
      await page.click('[data-action="restart"]');
      await page.click('[data-action="play"]'); // pause
      await page.waitForSelector('.replay-term[data-playing="false"]');
      const paused = await term.locator(".rl").count();
      assert.ok(paused < 8, `paused at ${paused} lines`);
      await page.screenshot({ path: await screenshotPath("session_replay"), fullPage: true });
      await page.click('[data-action="play"]');
      await page.waitForFunction(() => document.querySelectorAll(".replay-term .rl").length === 8, null, {
        timeout: 20_000,
      });
      assert.notEqual(await page.title(), "pwned");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await srv.close();
    }
  },
});

Deno.test({
  name: "attacker page - a session whose TTY log was shipped replays the terminal's own output" +
    (skip ? ` (skipped: ${skip})` : ""),
  ignore: skip !== "",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startServer();
    const browser = await launch();
    try {
      const ip = "203.0.113.91";
      const tty = await ttySession(ip, "77ee77ee77ee", T0, ["uname -a", "cat motd"], [
        "Linux svr04 3.2.0-4-amd64 x86_64 GNU/Linux",
        `\x1b[31m${EVIL}\x1b[0m`,
      ]);
      const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=hp1`, {
        method: "POST",
        body: tty.events.map((r) => JSON.stringify(r)).join("\n"),
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();
      const up = await fetch(
        `${srv.url}/api/ttylogs/${tty.sha256}?sensor=hp1&session=77ee77ee77ee&ip=${ip}`,
        {
          method: "PUT",
          body: tty.bytes as Uint8Array<ArrayBuffer>,
          headers: { authorization: `Bearer ${TOKEN}` },
        },
      );
      assert.equal(up.status, 201);
      await up.body?.cancel();

      const { page, errors } = await openPage(browser);
      await page.goto(`${srv.url}/ip/${ip}`);
      const term = page.locator(".replay-term");
      const expected = [
        "root@svr04:~# uname -a",
        "Linux svr04 3.2.0-4-amd64 x86_64 GNU/Linux",
        "root@svr04:~# cat motd",
        EVIL,
        "root@svr04:~#",
      ];
      assert.deepEqual(await term.locator(".rl").allTextContents(), expected);
      assert.equal(await term.locator("img").count(), 0);
      assert.match(await page.textContent("[data-source]") ?? "", /from the TTY log/);
      const raw = await page.getAttribute("[data-source] a", "href");
      assert.equal(raw, `/api/ttylogs/${tty.sha256}/raw`);

      await page.waitForSelector('.replay[data-ready="true"]', { timeout: 10_000 });
      await page.click('[data-action="restart"]');
      await page.waitForSelector('.replay-term[data-playing="true"]', { timeout: 10_000 });
      await page.waitForSelector('.replay-term[data-playing="false"]', { timeout: 20_000 });
      assert.deepEqual(await term.locator(".rl").allTextContents(), expected);
      // The TTY log's own clock: the last prompt came 1.7 s after the log opened.
      assert.match(await page.textContent("[data-progress]") ?? "", /5\/5 lines · 00:01 of 00:01/);
      await page.screenshot({ path: await screenshotPath("session_replay_ttylog"), fullPage: true });
      assert.notEqual(await page.title(), "pwned");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await srv.close();
    }
  },
});
