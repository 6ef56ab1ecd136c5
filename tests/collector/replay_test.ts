/**
 * The replay tool: exactly-once delivery while the server is killed, and ground-truth labels
 * that match the injected records.
 *
 * HONEYWATCH_LONG=1 replays the 200 000 events in the kill -9 test (default 30 000).
 */
import assert from "node:assert/strict";
import { parseCowrieTimestamp } from "../../collector/generate.ts";
import type { Label } from "../../collector/inject.ts";
import {
  appendText,
  cowrieLines,
  type Proc,
  sensorRow,
  type Server,
  spawn,
  startServer,
  TOKEN,
  until,
} from "./_procs.ts";

const LONG = Deno.env.get("HONEYWATCH_LONG") === "1";

type Rec = Record<string, unknown>;

async function readRecords(path: string): Promise<Rec[]> {
  return (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) => JSON.parse(l));
}

const ts = (r: Rec) => parseCowrieTimestamp(String(r.timestamp));

Deno.test("replay - kill -9 the server three times: the server counts exactly N events", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-replay-" });
  const kv = `${dir}/hw.kv`;
  const n = LONG ? 200_000 : 30_000;
  let server: Server | undefined;
  let replay: Proc | undefined;
  try {
    server = await startServer(kv);
    const port = server.port;
    replay = spawn("replay", [
      "run",
      "-A",
      "collector/replay.ts",
      "--server",
      `ws://127.0.0.1:${port}/ingest`,
      "--token",
      TOKEN,
      "--sensor",
      "replay-kill",
      "--generate",
      "--count",
      String(n),
      "--gen-rate",
      "50",
      // Paced so that the replay is still running at the third kill.
      "--rate",
      String(Math.round(n / 8)),
      "--inject",
      "brute_force,port_scan,traffic_spike,unusual",
      "--state-dir",
      `${dir}/state`,
    ]);
    for (const share of [0.2, 0.4, 0.6]) {
      await until(
        `${share * 100} % counted`,
        async () => ((await sensorRow(port, "replay-kill"))?.events ?? 0) >= n * share,
      );
      await server.proc.kill("SIGKILL");
      server = await startServer(kv, port);
    }
    const status = await replay.exit();
    assert.equal(status.code, 0, replay.output);
    const summary = JSON.parse(replay.output.split("\n").find((l) => l.startsWith("{"))!);
    assert.equal(summary.events, n + summary.injected);
    const row = await sensorRow(port, "replay-kill");
    assert.equal(row?.events, summary.events, "each event counted exactly once");
    assert.equal(row?.rejected, 0);
    assert.equal(row?.spoolBytes, 0, "the last heartbeat reports the drained spool");
  } finally {
    await replay?.kill();
    await server?.proc.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay - labels match what was injected", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-replay-" });
  try {
    const p = spawn("replay", [
      "run",
      "-A",
      "collector/replay.ts",
      "--generate",
      "--count",
      "20000",
      "--rate",
      "50",
      "--inject",
      "brute_force,port_scan,traffic_spike,unusual",
      "--labels-out",
      `${dir}/labels.json`,
      "--out",
      `${dir}/replay.json`,
    ]);
    assert.equal((await p.exit()).code, 0, p.output);
    const labels: Label[] = JSON.parse(await Deno.readTextFile(`${dir}/labels.json`));
    const records = await readRecords(`${dir}/replay.json`);
    assert.deepEqual(labels.map((l) => l.type), ["brute_force", "port_scan", "traffic_spike", "unusual"]);
    for (let i = 1; i < records.length; i++) assert.ok(ts(records[i]) >= ts(records[i - 1]), "in time order");

    for (const label of labels) {
      const start = Date.parse(label.start), end = Date.parse(label.end);
      assert.match(label.start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      if (label.ip === "*") {
        // A global burst: far more events in its window than in the same length just before.
        const inWin = records.filter((r) => ts(r) >= start && ts(r) <= end).length;
        const before = records.filter((r) => ts(r) >= 2 * start - end && ts(r) < start).length;
        assert.ok(inWin > 3 * before, `traffic_spike: ${inWin} events vs ${before} before`);
        continue;
      }
      const mine = records.filter((r) => r.src_ip === label.ip);
      assert.ok(mine.length > 0, `${label.type} has records`);
      // Exactly its records: the label's window starts and ends with them, and the IP is new.
      assert.equal(Math.floor(ts(mine[0])), start);
      assert.equal(Math.ceil(ts(mine.at(-1)!)), end);
      const failed = mine.filter((r) => r.eventid === "cowrie.login.failed");
      const ports = new Set(
        mine.filter((r) => r.eventid === "cowrie.direct-tcpip.request").map((r) => r.dst_port),
      );
      const commands = new Set(mine.filter((r) => r.eventid === "cowrie.command.input").map((r) => r.input));
      const downloads = mine.filter((r) => r.eventid === "cowrie.session.file_download");
      switch (label.type) {
        case "brute_force":
          assert.ok(failed.length >= 10);
          assert.ok(ts(failed.at(-1)!) - ts(failed[0]) <= 120_000, "within 2 min");
          break;
        case "port_scan": {
          const reqs = mine.filter((r) => r.eventid === "cowrie.direct-tcpip.request");
          assert.ok(ports.size >= 20);
          assert.ok(ts(reqs.at(-1)!) - ts(reqs[0]) <= 60_000, "within 1 min");
          break;
        }
        case "unusual":
          assert.ok(commands.size >= 15);
          assert.ok(downloads.length >= 3);
          break;
      }
    }
    // Without injections nothing is labelled and the base is unchanged in size.
    const q = spawn("replay", [
      "run",
      "-A",
      "collector/replay.ts",
      "--generate",
      "--count",
      "500",
      "--labels-out",
      `${dir}/none.json`,
      "--out",
      `${dir}/plain.json`,
    ]);
    assert.equal((await q.exit()).code, 0, q.output);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/none.json`)), []);
    assert.equal((await readRecords(`${dir}/plain.json`)).length, 500);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay - a recorded log is shifted to now, or kept with --keep-time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hw-replay-" });
  try {
    const src = `${dir}/cowrie.json`;
    const lines = cowrieLines(12_000, 6);
    await appendText(src, lines + '{"eventid":"cowrie.sess'); // a cut last line stays a line
    const original = lines.trimEnd().split("\n").map((l) => JSON.parse(l) as Rec);

    const before = Date.now();
    const p = spawn("replay", [
      "run",
      "-A",
      "collector/replay.ts",
      "--inject",
      "brute_force",
      "--labels-out",
      `${dir}/l1.json`,
      "--out",
      `${dir}/shifted.json`,
      src,
    ]);
    assert.equal((await p.exit()).code, 0, p.output);
    const cut = '{"eventid":"cowrie.sess';
    const out = (await Deno.readTextFile(`${dir}/shifted.json`)).trimEnd().split("\n");
    assert.equal(out.filter((l) => l === cut).length, 1, "the cut line is passed on as it is");
    const shifted = out.filter((l) => l !== cut).map((l) => JSON.parse(l) as Rec);
    const [label] = JSON.parse(await Deno.readTextFile(`${dir}/l1.json`)) as Label[];
    const base = shifted.filter((r) => r.src_ip !== label.ip);
    assert.equal(base.length, original.length);
    assert.ok(ts(base[0]) >= before, "first event is now");
    const shift = ts(base[0]) - ts(original[0]);
    for (let i = 0; i < base.length; i++) {
      assert.equal(base[i].session, original[i].session);
      assert.ok(Math.abs(ts(base[i]) - ts(original[i]) - shift) < 0.01, "spacing kept");
    }
    // The injected IP is new to the log.
    assert.ok(!original.some((r) => r.src_ip === label.ip));

    const q = spawn("replay", [
      "run",
      "-A",
      "collector/replay.ts",
      "--keep-time",
      "--inject",
      "port_scan",
      "--labels-out",
      `${dir}/l2.json`,
      "--out",
      `${dir}/kept.json`,
      src,
    ]);
    assert.equal((await q.exit()).code, 0, q.output);
    const kept = (await Deno.readTextFile(`${dir}/kept.json`)).trimEnd().split("\n").filter((l) => l !== cut)
      .map((l) => JSON.parse(l) as Rec);
    const [l2] = JSON.parse(await Deno.readTextFile(`${dir}/l2.json`)) as Label[];
    assert.deepEqual(kept.filter((r) => r.src_ip !== l2.ip), original, "base records untouched");
    assert.ok(Date.parse(l2.start) > ts(original[0]) && Date.parse(l2.end) < ts(original.at(-1)!));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("replay - bad flags fail with a clear message", async () => {
  const cases: [string[], RegExp][] = [
    [["--generate", "--inject", "ddos", "--out", "x"], /"ddos": each must be one of brute_force/],
    [["--generate"], /--server URL \(send\) or --out FILE/],
    [["--generate", "--duration", "ten", "--out", "x"], /expected a duration/],
    [["--out", "x"], /No FILE given/],
  ];
  for (const [args, re] of cases) {
    const p = spawn("replay", ["run", "-A", "collector/replay.ts", ...args]);
    assert.equal((await p.exit()).code, 2, args.join(" "));
    assert.match(p.output, re);
  }
});
