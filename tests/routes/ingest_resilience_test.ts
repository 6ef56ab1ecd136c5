/**
 * Resilience of ingest against a real server process: 100k malformed lines over HTTP NDJSON and
 * tens of thousands of malformed records and frames over the uplink. The server must stay up,
 * answer every piece with its reason, count each rejection by reason in /metrics, keep its
 * memory bounded, and take a valid batch afterwards.
 */
import assert from "node:assert/strict";
import type { RejectReason, ServerFrame } from "../../lib/schema.ts";
import { failedLogins, UplinkClient } from "../_helpers.ts";
import { badLine, badRecord, heavyLines, nestedArrays, nestedObjects, prng, record } from "./_malformed.ts";
import {
  metricBy,
  metricSum,
  scrape,
  sensorEvents,
  type ServerProc,
  startServerProc,
  TOKEN,
  until,
} from "./_server_proc.ts";

const MAX_FRAME = 1 << 20;
const MAX_BODY = 4 << 20;
/** Rate limits off: the test measures parsing, not the limiter. */
const ARGS = [
  "--rate-limit-ip",
  "0",
  "--rate-limit-sensor",
  "0",
  "--max-frame-bytes",
  String(MAX_FRAME),
  "--max-body-bytes",
  String(MAX_BODY),
  "--log-level",
  "warn",
];
/** Growth of the server's resident memory allowed over the run (a bound on leaks, not a speed). */
const RSS_GROWTH = 300 * 1024 * 1024;

type Reasons = Partial<Record<RejectReason, number>>;

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

async function rss(url: string): Promise<number> {
  const v = metricSum(await scrape(url), "honeywatch_process_resident_memory_bytes");
  assert.ok(v > 0, "the server reports its resident memory");
  return v;
}

interface IngestAnswer {
  accepted: number;
  rejected: number;
  reasons: Record<string, number>;
  skipped: number;
}

async function post(
  srv: ServerProc,
  body: BodyInit,
  sensor: string,
  source = "cowrie",
): Promise<{ status: number; json: IngestAnswer & { error?: string } }> {
  const res = await fetch(`${srv.url}/api/ingest?source=${source}&sensor=${sensor}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}` },
    body,
  });
  return { status: res.status, json: await res.json() };
}

/** Joins lines (as bytes) into one NDJSON body. */
function ndjson(lines: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(lines.reduce((n, l) => n + l.length + 1, 0));
  let at = 0;
  for (const l of lines) {
    out.set(l, at);
    at += l.length;
    out[at++] = 10;
  }
  return out;
}

/** The rejection counters of `sensor` in /metrics, by reason. */
async function rejectedMetrics(
  url: string,
  sensor: string,
  source = "cowrie",
): Promise<Record<string, number>> {
  return metricBy(await scrape(url), "honeywatch_ingest_rejected_total", "reason", { sensor, source });
}

Deno.test("ingest HTTP - 100k malformed lines are rejected by reason; the server keeps serving in bounded memory", async () => {
  const srv = await startServerProc(ARGS);
  try {
    const now = Date.now();
    const warm = await post(
      srv,
      failedLogins("198.51.100.1", now - 60_000, 3).map((r) => JSON.stringify(r)).join("\n"),
      "fuzz-http",
    );
    assert.equal(warm.json.accepted, 3);
    const rss0 = await rss(srv.url);

    // 100k bad Cowrie lines in bodies of at most ~3 MB, each answered with its reasons.
    const rand = prng(7);
    const expected: Reasons = {};
    let lines = 0;
    while (lines < 100_000) {
      const body: Uint8Array[] = [];
      const want: Reasons = {};
      let bytes = 0;
      while (bytes < 3_000_000 && lines < 100_000) {
        const { bytes: b, reason } = badLine(rand);
        body.push(b);
        bytes += b.length + 1;
        want[reason] = (want[reason] ?? 0) + 1;
        lines++;
      }
      const r = await post(srv, ndjson(body), "fuzz-http");
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.accepted, 0);
      assert.equal(r.json.rejected, body.length);
      assert.deepEqual(r.json.reasons, want);
      add(expected, want);
    }

    // Deep nesting and big lines, some past the line limit.
    const heavy = heavyLines();
    const enc = new TextEncoder();
    const h = await post(srv, ndjson(heavy.map((x) => enc.encode(x.line))), "fuzz-http");
    assert.equal(h.status, 200, JSON.stringify(h.json));
    const heavyWant: Reasons = {};
    for (const x of heavy) heavyWant[x.reason] = (heavyWant[x.reason] ?? 0) + 1;
    assert.deepEqual(h.json.reasons, heavyWant);
    add(expected, heavyWant);

    // Bodies past --max-body-bytes: refused whole, whether the length is declared or streamed.
    const big = new Uint8Array(MAX_BODY + 1).fill(0x78);
    const declared = await post(srv, big, "fuzz-http");
    assert.equal(declared.status, 413);
    assert.equal(declared.json.error, "too_large");
    const streamed = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=fuzz-http`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: ReadableStream.from((function* () {
        for (let i = 0; i <= MAX_BODY / 65536; i++) yield new Uint8Array(65536).fill(0x78);
      })()),
    }).then(
      async (res) => ({ status: res.status, text: await res.text() }),
      (e) => ({ status: 0, text: String(e) }),
    );
    // The server may answer before the client finished sending; either way nothing is ingested.
    assert.ok(streamed.status === 413 || streamed.status === 0, JSON.stringify(streamed));

    // Raw random bytes (newlines included), and garbage for the line sources: nothing is accepted,
    // every line is rejected or skipped, and the answer's reasons add up.
    const other: Record<string, Record<string, number>> = {};
    for (const source of ["cowrie", "sshd", "firewall", "zeek"]) {
      const raw = new Uint8Array(1_000_000).map(() => Math.floor(rand() * 256));
      const text = new TextDecoder().decode(raw);
      const n = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      const r = await post(srv, raw, `fuzz-raw-${source}`, source);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.accepted, 0);
      assert.equal(r.json.rejected + r.json.skipped, n);
      assert.equal(Object.values(r.json.reasons).reduce((a, b) => a + b, 0), r.json.rejected);
      other[source] = r.json.reasons;
    }

    // Still serving: a valid body is taken and counted.
    const after = await post(
      srv,
      failedLogins("198.51.100.2", now - 30_000, 6).map((r) => JSON.stringify(r)).join("\n"),
      "fuzz-http",
    );
    assert.deepEqual(after.json, { accepted: 6, rejected: 0, reasons: {}, skipped: 0 });
    assert.equal(await sensorEvents(srv.url, "fuzz-http"), 9);

    // Every rejection is in /metrics under its reason (HTTP ingest answers once applied).
    assert.deepEqual(await rejectedMetrics(srv.url, "fuzz-http"), expected);
    for (const [source, reasons] of Object.entries(other)) {
      assert.deepEqual(await rejectedMetrics(srv.url, `fuzz-raw-${source}`, source), reasons);
    }
    const refused = metricBy(await scrape(srv.url), "honeywatch_ingest_requests_refused_total", "status");
    assert.ok((refused["413"] ?? 0) >= 1, JSON.stringify(refused));

    const growth = (await rss(srv.url)) - rss0;
    assert.ok(growth < RSS_GROWTH, `resident memory grew by ${Math.round(growth / 2 ** 20)} MiB`);
  } finally {
    await srv.stop();
  }
});

/** One individually bad uplink frame and the error code it must be answered with. */
function badFrame(r: () => number, i: number): { frame: string | Uint8Array; code: string } {
  const k = i % 16;
  const bad = (frame: unknown) => ({
    frame: typeof frame === "string" ? frame : JSON.stringify(frame),
    code: "bad_frame",
  });
  switch (k) {
    case 0:
      return bad(`not json ${r()}`);
    case 1:
      return bad('{"type":"batch","seq":1,"source":"cowrie","events":[{"eventid":');
    case 2:
      return bad({ type: "nope", seq: i });
    case 3:
      return bad({ type: "batch", seq: "x", source: "cowrie", events: [] });
    case 4:
      return bad({ type: "batch", seq: 0, source: "cowrie", events: [] });
    case 5:
      return bad({ type: "batch", seq: 2 ** 53, source: "cowrie", events: [] });
    case 6:
      return bad({ type: "batch", seq: 5, source: "syslog", events: [] });
    case 7:
      return bad({ type: "batch", seq: 5, source: "cowrie", events: "not a list" });
    case 8:
      return bad({ type: "hello", sensor: "../etc", token: TOKEN });
    case 9:
      return bad({ type: "hello", sensor: "vm1", token: "" });
    case 10:
      return bad({ type: "heartbeat", lagBytes: -1 });
    case 11:
      return bad(r() < 0.5 ? [1, 2, 3] : null);
    case 12:
      return { frame: new Uint8Array(64).map(() => Math.floor(r() * 256)), code: "bad_frame" };
    case 13:
      return bad({ type: "batch", seq: -3, source: "cowrie", events: [record()] });
    case 14:
      return {
        frame: JSON.stringify({ type: "batch", seq: 5, source: "cowrie", events: Array(401).fill(1) }),
        code: "batch_too_large",
      };
    default:
      return bad({ type: "batch", source: "cowrie", events: [] });
  }
}

Deno.test("ingest WebSocket - malformed frames and records are answered by code and reason; the uplink keeps serving in bounded memory", async () => {
  const srv = await startServerProc(ARGS);
  let c: UplinkClient | null = null;
  try {
    c = await UplinkClient.connect(srv.url.replace(/^http/, "ws"));
    const client = c;
    const errors = () =>
      client.frames.filter((f): f is Extract<ServerFrame, { type: "error" }> => f.type === "error");
    const codes = () => {
      const out: Record<string, number> = {};
      for (const f of errors()) out[f.code] = (out[f.code] ?? 0) + 1;
      return out;
    };

    // Before hello, a batch is refused but the socket stays.
    for (let i = 0; i < 100; i++) c.send({ type: "batch", seq: i + 1, source: "cowrie", events: [record()] });
    await until("hello_required x100", () => errors().length === 100, 30_000);
    assert.deepEqual(codes(), { hello_required: 100 });
    c.frames.length = 0;
    const hello = await c.hello("fuzz-ws", TOKEN);
    assert.equal(hello.type, "welcome", JSON.stringify(hello));
    const rss0 = await rss(srv.url);

    // A few thousand individually bad frames, plus frames past --max-frame-bytes and 100k-deep nesting.
    const rand = prng(11);
    const want: Record<string, number> = {};
    const sendBad = (frame: string | Uint8Array, code: string) => {
      client.ws.send(frame);
      want[code] = (want[code] ?? 0) + 1;
    };
    for (let i = 0; i < 3200; i++) {
      const { frame, code } = badFrame(rand, i);
      sendBad(frame, code);
    }
    for (let i = 0; i < 4; i++) sendBad("x".repeat(MAX_FRAME + 1), "batch_too_large");
    for (let i = 0; i < 4; i++) sendBad(nestedArrays(100_000), "bad_frame");
    const total = Object.values(want).reduce((a, b) => a + b, 0);
    await until(`${total} error frames`, () => errors().length === total, 60_000);
    assert.deepEqual(codes(), want);
    // Error frames carry the seq of the frame they refused; forget them before numbering batches.
    c.frames.length = 0;

    // 100 batches of 400 bad records each: acknowledged, every record rejected by reason.
    const expected: Reasons = {};
    const acks: Promise<ServerFrame>[] = [];
    for (let seq = 1; seq <= 100; seq++) {
      const events: unknown[] = [];
      for (let j = 0; j < 400; j++) {
        const { record, reason } = badRecord(rand);
        events.push(record);
        expected[reason] = (expected[reason] ?? 0) + 1;
      }
      acks.push(c.batch(seq, events));
    }
    // Deep and big records inside an allowed frame (written by hand: too deep for JSON.stringify).
    const heavy = [
      nestedArrays(100_000),
      JSON.stringify("x".repeat(70_000)),
      JSON.stringify(JSON.stringify(record({ password: "p".repeat(70_000) }))),
      JSON.stringify(record({ src_ip: "1".repeat(200_000) })),
    ];
    add(expected, { not_object: 1, too_large: 2, invalid_ip: 1 });
    c.send(`{"type":"batch","seq":101,"source":"cowrie","events":[${heavy.join(",")}]}`);
    acks.push(c.next((f) => (f.type === "ack" || f.type === "error") && f.seq === 101));
    const answers = await Promise.all(acks);
    for (const [i, a] of answers.entries()) {
      const n = i < 100 ? 400 : heavy.length;
      assert.deepEqual(a, { type: "ack", seq: i + 1, accepted: 0, rejected: n });
    }

    // Zeek records that are objects are serialised again by the parser: deep ones too.
    c.send(
      `{"type":"batch","seq":102,"source":"zeek","events":[${nestedArrays(100_000)},${
        nestedObjects(100_000)
      }]}`,
    );
    assert.deepEqual(await c.next((f) => (f.type === "ack" || f.type === "error") && f.seq === 102), {
      type: "ack",
      seq: 102,
      accepted: 0,
      rejected: 2,
    });

    // Still serving on the same connection: a valid batch is acked and counted.
    const valid = failedLogins("198.51.100.3", Date.now() - 30_000, 7);
    assert.deepEqual(await c.batch(103, valid), { type: "ack", seq: 103, accepted: 7, rejected: 0 });
    await until("7 events counted", async () => (await sensorEvents(srv.url, "fuzz-ws")) === 7, 30_000);

    // Every rejection is in /metrics: records by reason, refused frames by code.
    let last: Record<string, number> = {};
    await until("rejections in /metrics", async () => {
      last = await rejectedMetrics(srv.url, "fuzz-ws");
      return JSON.stringify(Object.entries(last).sort()) === JSON.stringify(Object.entries(expected).sort());
    }, 30_000).catch(() => assert.deepEqual(last, expected));
    const frames = metricBy(await scrape(srv.url), "honeywatch_ingest_frames_refused_total", "code");
    assert.deepEqual(frames, { ...want, hello_required: 100 });

    const growth = (await rss(srv.url)) - rss0;
    assert.ok(growth < RSS_GROWTH, `resident memory grew by ${Math.round(growth / 2 ** 20)} MiB`);
  } finally {
    await c?.close().catch(() => {});
    await srv.stop();
  }
});
