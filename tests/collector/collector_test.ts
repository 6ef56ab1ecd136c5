/**
 * The collector against the real server process: kill -9 of either side, an unreachable
 * server with a filling spool, and the drop-oldest policy's accounting.
 *
 * HONEYWATCH_DOWN_MS sets how long the server stays down in the spool test (default 5000;
 * the figure is 30000).
 */
import assert from "node:assert/strict";
import {
  appendText,
  collectorArgs,
  cowrieLines,
  type Proc,
  sensorRow,
  type Server,
  spawn,
  spoolBytes,
  startServer,
  until,
} from "./_procs.ts";

const DOWN_MS = Number(Deno.env.get("HONEYWATCH_DOWN_MS") ?? 5000);

async function events(port: number, sensor: string): Promise<number> {
  return (await sensorRow(port, sensor))?.events ?? 0;
}

Deno.test("collector - kill -9 and restart, rename and copytruncate rotation: no line lost or repeated", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-collector-" });
  const log = `${dir}/cowrie.json`;
  const state = `${dir}/state`;
  const procs: Proc[] = [];
  let server: Server | undefined;
  try {
    server = await startServer(`${dir}/hw.kv`);
    const port = server.port;
    let total = 0;
    const write = async (n: number, path = log) => {
      await appendText(path, cowrieLines(n, 2, total));
      total += n;
    };
    await write(8000);
    const start = (extra: string[] = []) => {
      const p = spawn("collector", collectorArgs(port, state, "vm-kill", ["--from-start", ...extra], [log]));
      procs.push(p);
      return p;
    };

    for (let round = 0; round < 3; round++) {
      const before = await events(port, "vm-kill");
      const c = start();
      await write(2000); // written while it runs
      await until("progress after a restart", async () => (await events(port, "vm-kill")) > before + 1000);
      await c.kill("SIGKILL");
      if (round === 1) {
        // logrotate while the collector is down: the rest of the old file must still be read.
        await write(1500);
        await Deno.rename(log, `${log}.1`);
      }
      if (round === 2) {
        // logrotate's copytruncate while it is down: the rest is read from the copy, then the file anew.
        await write(1500);
        await Deno.copyFile(log, `${log}.2`);
        await Deno.truncate(log, 0);
      }
      await write(3000);
    }
    const last = start(["--once"]);
    const status = await last.exit();
    assert.equal(status.code, 0, last.output);
    const row = await sensorRow(port, "vm-kill");
    assert.equal(row?.events, total, "every line counted exactly once");
    assert.equal(row?.rejected, 0);
    // Its last heartbeat, sent once everything was acknowledged, reports nothing left behind.
    assert.equal(row?.connected, false);
    assert.equal(row?.spoolBytes, 0);
    assert.equal(row?.lagBytes, 0);
  } finally {
    for (const p of procs) await p.kill();
    await server?.proc.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector - server down: the spool fills and drains, nothing lost", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-collector-" });
  const log = `${dir}/cowrie.json`;
  const state = `${dir}/state`;
  const kv = `${dir}/hw.kv`;
  let server: Server | undefined;
  let collector: Proc | undefined;
  try {
    server = await startServer(kv);
    const port = server.port;
    let total = 0;
    const write = async (n: number) => {
      await appendText(log, cowrieLines(n, 3, total));
      total += n;
    };
    await write(2000);
    const maxSpool = 1024 * 1024;
    collector = spawn(
      "collector",
      collectorArgs(port, state, "vm-down", ["--from-start", "--spool-max-bytes", String(maxSpool)], [log]),
    );
    await until("first lines counted", async () => (await events(port, "vm-down")) >= 2000);

    await server.proc.kill("SIGKILL");
    let peak = 0;
    const downUntil = Date.now() + DOWN_MS;
    while (Date.now() < downUntil) {
      await write(300);
      peak = Math.max(peak, await spoolBytes(state));
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(
      "the spool fills",
      async () => (peak = Math.max(peak, await spoolBytes(state))) > maxSpool / 2,
    );
    assert.ok(peak <= maxSpool * 1.1, `spool stays within its bound (${peak} bytes)`);

    server = await startServer(kv, port);
    await until("every line counted", async () => (await events(port, "vm-down")) >= total);
    await until("the spool drains", async () => (await spoolBytes(state)) === 0);
    await until(
      "heartbeat reports an empty spool",
      async () => (await sensorRow(port, "vm-down"))?.spoolBytes === 0,
    );
    const row = await sensorRow(port, "vm-down");
    assert.equal(row?.events, total);
    assert.equal(row?.dropped, 0);
  } finally {
    await collector?.kill();
    await server?.proc.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector - drop-oldest: every lost event is counted and reported", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-collector-" });
  const log = `${dir}/cowrie.json`;
  const state = `${dir}/state`;
  const kv = `${dir}/hw.kv`;
  let server: Server | undefined;
  let collector: Proc | undefined;
  try {
    // Find a free port, then leave it empty: the server is unreachable at first.
    server = await startServer(kv);
    const port = server.port;
    await server.proc.kill("SIGKILL");
    server = undefined;
    const total = 6000;
    await appendText(log, cowrieLines(total, 4));
    collector = spawn(
      "collector",
      collectorArgs(port, state, "vm-drop", [
        "--from-start",
        "--spool-max-bytes",
        "256K",
        "--spool-policy",
        "drop-oldest",
      ], [log]),
    );
    // Wait until it has read the whole file into its (overflowing) spool: the size settles.
    let last = -1;
    await until("the spool settles", async () => {
      const n = await spoolBytes(state);
      const settled = n > 0 && n === last;
      last = n;
      if (!settled) await new Promise((r) => setTimeout(r, 400));
      return settled;
    });
    server = await startServer(kv, port);
    await until("counted plus dropped is everything", async () => {
      const row = await sensorRow(port, "vm-drop");
      return row !== undefined && row.events + row.dropped === total && (await spoolBytes(state)) === 0;
    });
    const row = await sensorRow(port, "vm-drop");
    assert.ok(row!.dropped > 0, "the policy dropped something");
    assert.ok(row!.events > 0, "the newest batches survived");
    assert.equal(row!.events + row!.dropped, total);
  } finally {
    await collector?.kill();
    await server?.proc.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector - SIGTERM while blocked on a full spool: exits, and the next run delivers everything", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-collector-" });
  const log = `${dir}/cowrie.json`;
  const state = `${dir}/state`;
  const kv = `${dir}/hw.kv`;
  let server: Server | undefined;
  const procs: Proc[] = [];
  try {
    server = await startServer(kv);
    const port = server.port;
    await server.proc.kill("SIGKILL");
    server = undefined;
    const total = 5000;
    await appendText(log, cowrieLines(total, 5));
    const args = ["--from-start", "--spool-max-bytes", "64K", "--spool-policy", "block"];
    const c = spawn("collector", collectorArgs(port, state, "vm-term", args, [log]));
    procs.push(c);
    await until("the spool is full", async () => (await spoolBytes(state)) > 32 * 1024);
    c.child.kill("SIGTERM");
    const status = await c.exitWithin(30_000);
    assert.equal(status.code, 0, c.output);

    server = await startServer(kv, port);
    const last = spawn("collector", collectorArgs(port, state, "vm-term", [...args, "--once"], [log]));
    procs.push(last);
    assert.equal((await last.exit()).code, 0, last.output);
    const row = await sensorRow(port, "vm-term");
    assert.equal(row?.events, total);
  } finally {
    for (const p of procs) await p.kill();
    await server?.proc.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collector main - bad flags fail with a clear message", async () => {
  const cases: [string[], RegExp][] = [
    [["--token", "t", "--sensor", "vm1", "a.json"], /--server is required/],
    [["--server", "http://x/ingest", "--token", "t", "--sensor", "vm1", "a.json"], /ws:\/\/ or wss:\/\//],
    [["--server", "ws://x/ingest", "--token", "t", "--sensor", "vm1", "notes.txt"], /give --source/],
    [[
      "--server",
      "ws://x/ingest",
      "--token",
      "t",
      "--sensor",
      "vm1",
      "--spool-policy",
      "lose",
      "cowrie.json",
    ], /block, drop-oldest/],
    [["--server", "ws://x/ingest", "--token", "t", "--sensor", "vm 1", "a.json"], /--sensor is "vm 1"/],
    [["--bogus"], /Unknown flag "--bogus"/],
  ];
  for (const [args, re] of cases) {
    const p = spawn("collector", ["run", "-A", "collector/main.ts", ...args]);
    const s = await p.exit();
    assert.equal(s.code, 2, args.join(" "));
    assert.match(p.output, re);
  }
});
