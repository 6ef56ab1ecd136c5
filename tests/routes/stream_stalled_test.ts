/**
 * Stalled live subscribers against a real server process: 50 SSE and 50 WebSocket clients that
 * send their request over raw TCP and never read a byte. Fan-out is bounded: ingest completes,
 * a subscriber that reads still gets its anomalies, and what the stalled ones miss is dropped
 * and counted (`honeywatch_hub_dropped_total`), not buffered.
 */
import assert from "node:assert/strict";
import type { Anomaly } from "../../lib/schema.ts";
import { failedLogins, readSse } from "../_helpers.ts";
import { metricSum, scrape, sensorEvents, startServerProc, TOKEN, until } from "./_server_proc.ts";

const enc = new TextEncoder();

/** Open a TCP connection, write `request`, and never read. */
async function stalled(port: number, request: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const bytes = enc.encode(request);
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
  return conn;
}

function sseRequest(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`;
}

function wsRequest(path: string): string {
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

/** One failed login of each of `ips` sources at `ts`, as an NDJSON body. */
function round(ips: number, ts: number): string {
  const lines = [];
  for (let i = 0; i < ips; i++) {
    lines.push(JSON.stringify(failedLogins(`198.18.${i >> 8}.${i & 255}`, ts, 1)[0]));
  }
  return lines.join("\n");
}

async function post(url: string, body: string): Promise<number> {
  const res = await fetch(`${url}/api/ingest?source=cowrie&sensor=burst`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}` },
    body,
  });
  const j = await res.json();
  assert.equal(res.status, 200, JSON.stringify(j));
  assert.equal(j.rejected, 0);
  return j.accepted;
}

/** Sources in the burst: one round raises or updates one anomaly each, under the queue cap (256). */
const IPS = 200;
/** Rounds of the burst: ~9k messages, past what the kernel buffers of a stalled socket hold (~4 MB). */
const ROUNDS = 50;
/** A failed login every 5 s of event time: each one past the 5th re-emits the open anomaly. */
const GAP_MS = 5_000;
/**
 * Memory the server may add over the run, ingest included (a bound on buffering, not a speed):
 * ~200 MB seen; 1.1 GB when a stalled subscriber's frames were buffered without bound.
 */
const RSS_GROWTH = 500 * 1024 * 1024;

Deno.test("live stream - 100 stalled subscribers drop (and count) what they miss; ingest completes and a reading subscriber gets its anomalies", async () => {
  const srv = await startServerProc([
    "--rate-limit-ip",
    "0",
    "--rate-limit-sensor",
    "0",
    "--log-level",
    "warn",
  ]);
  const conns: Deno.TcpConn[] = [];
  const abort = new AbortController();
  try {
    for (let i = 0; i < 50; i++) conns.push(await stalled(srv.port, sseRequest("/api/stream")));
    for (let i = 0; i < 50; i++) conns.push(await stalled(srv.port, wsRequest("/api/subscribe")));
    const subscribers = async () => metricSum(await scrape(srv.url), "honeywatch_hub_subscribers");
    await until("100 stalled subscribers", async () => (await subscribers()) >= 100, 30_000);

    // A subscriber that reads everything.
    const markers = Array.from({ length: 10 }, (_, i) => `192.0.2.${i + 1}`);
    const seen = new Set<string>();
    let received = 0;
    const live = readSse(`${srv.url}/api/stream`, (evs) => {
      for (; received < evs.length; received++) {
        const a = JSON.parse(evs[received].data) as Anomaly;
        if (a.type === "brute_force") seen.add(a.ip);
      }
      return markers.every((ip) => seen.has(ip));
    }, abort.signal);
    await until("the reading subscriber", async () => (await subscribers()) >= 101, 30_000);
    const rss = async () => metricSum(await scrape(srv.url), "honeywatch_process_resident_memory_bytes");
    const rss0 = await rss();

    // The burst, in rounds: the next round goes once the reading subscriber has the last one, so
    // no queue of a subscriber that reads overflows and every drop is a stalled subscriber's.
    const start = Date.now() - 10 * 60_000;
    let sent = 0;
    let expected = 0;
    for (let r = 0; r < ROUNDS; r++) {
      sent += await post(srv.url, round(IPS, start + r * GAP_MS));
      if (r >= 4) expected += IPS; // the 5th failure raises, each later one updates
      await until(`round ${r} delivered`, () => received >= expected, 30_000);
    }
    // Then fresh sources, each raising one brute_force, for the reading subscriber.
    for (const ip of markers) {
      sent += await post(srv.url, failedLogins(ip, start, 5).map((r) => JSON.stringify(r)).join("\n"));
    }
    await until("every event counted", async () => (await sensorEvents(srv.url, "burst")) === sent, 60_000);
    assert.equal(sent, IPS * ROUNDS + 50);

    await live;
    for (const ip of markers) assert.ok(seen.has(ip), `the reading subscriber got the anomaly of ${ip}`);
    assert.ok(received >= expected + markers.length);

    const text = await scrape(srv.url);
    assert.ok(metricSum(text, "honeywatch_hub_published_total") >= expected + markers.length);
    assert.ok(
      metricSum(text, "honeywatch_hub_dropped_total") > 0,
      "what stalled subscribers miss is dropped and counted",
    );
    const growth = (await rss()) - rss0;
    assert.ok(growth < RSS_GROWTH, `resident memory grew by ${Math.round(growth / 2 ** 20)} MiB`);
  } finally {
    abort.abort();
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await srv.stop();
  }
});
