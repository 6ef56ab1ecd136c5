/**
 * The built-in demo feed of `deno task dev`: its TTY logs (unit), and the feed itself into a
 * real server over the real WebSocket and HTTP paths (sessions, anomalies, replayable logs).
 */
import assert from "node:assert/strict";
import { generateCowrie } from "../../collector/generate.ts";
import { startDemo } from "../../lib/demo.ts";
import { DemoTtylogs } from "../../lib/demo_ttylog.ts";
import { parseTtylog, ttylogLines } from "../../lib/ttylog.ts";
import { sha256Hex } from "../../lib/ttylog_store.ts";
import { eventually, startServer, TOKEN } from "../_helpers.ts";

Deno.test("demo TTY logs - each interactive session's log.closed names a real log of its commands", async () => {
  const gen = generateCowrie({ seed: 3, start: Date.parse("2026-12-05T10:00:00Z"), rate: 20 });
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < 12_000; i++) records.push(gen.next().value.record as Record<string, unknown>);
  const commands = new Map<string, string[]>();
  for (const r of records) {
    if (r.eventid === "cowrie.command.input") {
      commands.set(String(r.session), [...(commands.get(String(r.session)) ?? []), String(r.input)]);
    }
  }
  const demo = new DemoTtylogs();
  const uploads = [];
  for (let i = 0; i < records.length; i += 400) uploads.push(...await demo.take(records.slice(i, i + 400)));
  assert.ok(uploads.length >= 5, `only ${uploads.length} logs in 10 minutes of demo traffic`);
  for (const u of uploads) {
    assert.equal(await sha256Hex(u.bytes), u.sha256);
    const closed = records.find((r) => r.eventid === "cowrie.log.closed" && r.session === u.session)!;
    assert.equal(closed.shasum, u.sha256);
    assert.equal(closed.ttylog, `var/lib/cowrie/tty/${u.sha256}`);
    assert.equal(closed.size, u.bytes.length);
    const parsed = parseTtylog(u.bytes);
    assert.ok(parsed.ok);
    const text = ttylogLines(parsed.records).map((l) => l.text).join("\n");
    for (const c of commands.get(u.session)!) {
      assert.ok(text.includes(`# ${c}`) || text.includes(`$ ${c}`), c);
    }
  }
});

Deno.test({
  name:
    "demo feed - streams into the server: events counted, anomalies raised, sessions replayable from TTY logs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const srv = await startServer();
    const stop = startDemo({ url: `${srv.wsUrl}/ingest`, token: TOKEN, rate: 50, seed: 11 });
    try {
      // Safety deadlines, not timing assertions: the feed is paced by its events' timestamps.
      const tty = await eventually(
        async () => {
          const list = await Array.fromAsync(srv.kv.list<{ sha256: string; session: string; ip: string }>({
            prefix: ["tty_meta"],
          }));
          return list[0]?.value;
        },
        600,
        150,
      );
      const sensors = await (await fetch(`${srv.url}/api/sensors`)).json();
      const demo = sensors.items.find((s: { sensor: string }) => s.sensor === "demo-honeypot");
      assert.ok(demo.events > 0 && demo.connected);
      await eventually(
        async () => {
          const session = await (await fetch(`${srv.url}/api/sessions/${tty.session}?ip=${tty.ip}`)).json();
          return session.ttylog?.sha256 === tty.sha256 && session.ttylog.lines.length > 1;
        },
        200,
        100,
      );
      await eventually(
        async () => (await (await fetch(`${srv.url}/api/anomalies`)).json()).items.length > 0,
        600,
        150,
      );
    } finally {
      stop();
      await srv.close();
    }
  },
});
