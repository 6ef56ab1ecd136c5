import assert from "node:assert/strict";
import { AlertDispatcher } from "../../../lib/alerts/dispatcher.ts";
import { parseAlertsConfig } from "../../../lib/alerts/config.ts";
import { FakeClock } from "../../../lib/clock.ts";
import { Hub } from "../../../lib/hub.ts";
import { Registry } from "../../../lib/metrics.ts";
import type { Anomaly, Severity } from "../../../lib/schema.ts";
import { eventually, failedLogins, startServer, TOKEN } from "../../_helpers.ts";

interface Received {
  headers: Headers;
  raw: Uint8Array;
  json: Record<string, unknown>;
}

/** A real HTTP receiver on a free port; `respond` decides each answer (1-based request number). */
function receiver(respond: (n: number) => Response = () => new Response("ok")) {
  const got: Received[] = [];
  const ac = new AbortController();
  const { promise: listening, resolve } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: ({ port }) => resolve(port) },
    async (req) => {
      const raw = new Uint8Array(await req.arrayBuffer());
      got.push({ headers: req.headers, raw, json: JSON.parse(new TextDecoder().decode(raw)) });
      return respond(got.length);
    },
  );
  return {
    got,
    url: listening.then((port) => `http://127.0.0.1:${port}/hook`),
    async close() {
      ac.abort();
      await server.finished;
    },
  };
}

function anomaly(
  id: string,
  ip: string,
  severity: Severity = "medium",
  type = "brute_force",
  reason = "5 failures",
): Anomaly {
  return {
    id,
    type,
    detector: type,
    ip,
    sensor: "vm1",
    ts: "2026-11-25T10:00:00.000Z",
    lastTs: "2026-11-25T10:00:00.000Z",
    severity,
    score: 0.5,
    reason,
    window: { ms: 600_000, label: "10m" },
    threshold: 5,
    value: 5,
    features: {},
    evidence: [],
    updates: 1,
    status: "open",
  };
}

/** A dispatcher on a real hub, fake clock and registry; `hooks` are webhook configs (raw). */
function dispatcher(hooks: Record<string, unknown>[]) {
  const hub = new Hub();
  const clock = new FakeClock(Date.parse("2026-11-25T10:00:00Z"));
  const metrics = new Registry();
  const d = new AlertDispatcher({ hub, clock, metrics, config: parseAlertsConfig({ webhooks: hooks }) });
  const count = (name: string, labels: Record<string, string>) =>
    metrics.counter(name, "", Object.keys(labels)).get(labels);
  return { hub, clock, metrics, d, count };
}

async function hmacHex(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body as BufferSource));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

const SECRET = "a-webhook-secret-0123456789";

Deno.test("alerts - posts HMAC-signed generic JSON for anomalies at or above minSeverity", async () => {
  const rx = receiver();
  const { hub, d } = dispatcher([{ name: "siem", url: await rx.url, secret: SECRET, minSeverity: "medium" }]);
  try {
    hub.publishAnomalies([anomaly("a-low", "192.0.2.1", "low"), anomaly("a-1", "192.0.2.2", "high")]);
    await d.idle();
    assert.equal(rx.got.length, 1);
    const r = rx.got[0];
    assert.equal(r.headers.get("content-type"), "application/json");
    assert.equal(r.headers.get("x-honeywatch-signature"), `sha256=${await hmacHex(SECRET, r.raw)}`);
    assert.notEqual(
      r.headers.get("x-honeywatch-signature"),
      `sha256=${await hmacHex("another-secret-xxxxxxxx", r.raw)}`,
    );
    assert.equal(r.json.source, "honeywatch");
    assert.equal(r.json.digest, false);
    const alerts = r.json.alerts as { id: string; event: string; ip: string }[];
    assert.deepEqual(alerts.map((a) => [a.id, a.event, a.ip]), [["a-1", "anomaly", "192.0.2.2"]]);
  } finally {
    await d.close();
    await rx.close();
  }
});

Deno.test("alerts - dedupe holds back updates and repeats within the window; a severity rise goes through", async () => {
  const rx = receiver();
  const { hub, clock, d, count } = dispatcher([{ name: "dd", url: await rx.url, dedupe: "1h", cooldown: 0 }]);
  try {
    hub.publishAnomalies([anomaly("a-1", "192.0.2.9")]);
    hub.publishAnomalies([anomaly("a-1", "192.0.2.9")]); // an update of the same anomaly
    hub.publishAnomalies([anomaly("a-1", "192.0.2.9", "high")]); // severity rose
    hub.publishAnomalies([anomaly("a-2", "192.0.2.9", "medium")]); // same type and IP again
    clock.advance(61 * 60_000);
    hub.publishAnomalies([anomaly("a-3", "192.0.2.9", "medium")]); // window over
    await d.idle();
    const sent = rx.got.map((r) => (r.json.alerts as { id: string; severity: string }[])[0]);
    assert.deepEqual(sent.map((a) => `${a.id}/${a.severity}`), ["a-1/medium", "a-1/high", "a-3/medium"]);
    assert.equal(count("honeywatch_alerts_suppressed_total", { webhook: "dd", reason: "dedupe" }), 2);
  } finally {
    await d.close();
    await rx.close();
  }
});

Deno.test("alerts - per-IP cooldown silences other types for that IP only, until it ends", async () => {
  const rx = receiver();
  const { hub, clock, d, count } = dispatcher([{
    name: "cd",
    url: await rx.url,
    cooldown: "10m",
    dedupe: 0,
  }]);
  try {
    hub.publishAnomalies([anomaly("b-1", "192.0.2.20", "medium", "brute_force")]);
    hub.publishAnomalies([anomaly("b-2", "192.0.2.20", "medium", "port_scan")]);
    hub.publishAnomalies([anomaly("b-3", "192.0.2.21", "medium", "port_scan")]);
    clock.advance(11 * 60_000);
    hub.publishAnomalies([anomaly("b-4", "192.0.2.20", "medium", "port_scan")]);
    await d.idle();
    const ids = rx.got.map((r) => (r.json.alerts as { id: string }[])[0].id);
    assert.deepEqual(ids, ["b-1", "b-3", "b-4"]);
    assert.equal(count("honeywatch_alerts_suppressed_total", { webhook: "cd", reason: "cooldown" }), 1);
  } finally {
    await d.close();
    await rx.close();
  }
});

Deno.test("alerts - retries 5xx with backoff until delivered; a 4xx is not retried", async () => {
  const flaky = receiver((n) => new Response("busy", { status: n <= 2 ? 503 : 200 }));
  const refusing = receiver(() => new Response("no", { status: 400 }));
  const { hub, d, count } = dispatcher([
    { name: "flaky", url: await flaky.url, backoff: "10ms", retries: 3 },
    { name: "refusing", url: await refusing.url, backoff: "10ms", retries: 3 },
  ]);
  try {
    hub.publishAnomalies([anomaly("c-1", "192.0.2.30")]);
    await d.idle();
    assert.equal(flaky.got.length, 3);
    assert.deepEqual(flaky.got.map((r) => r.raw.length), [
      flaky.got[0].raw.length,
      flaky.got[0].raw.length,
      flaky.got[0].raw.length,
    ]);
    assert.equal(count("honeywatch_alerts_retries_total", { webhook: "flaky" }), 2);
    assert.equal(count("honeywatch_alerts_sent_total", { webhook: "flaky" }), 1);
    assert.equal(refusing.got.length, 1);
    assert.equal(count("honeywatch_alerts_failed_total", { webhook: "refusing" }), 1);
  } finally {
    await d.close();
    await flaky.close();
    await refusing.close();
  }
});

Deno.test("alerts - gives up after the configured retries when the receiver stays down", async () => {
  const down = receiver(() => new Response("down", { status: 500 }));
  const { hub, d, count } = dispatcher([{ name: "down", url: await down.url, backoff: "5ms", retries: 2 }]);
  try {
    hub.publishAnomalies([anomaly("e-1", "192.0.2.50")]);
    await d.idle();
    assert.equal(down.got.length, 3);
    assert.equal(count("honeywatch_alerts_failed_total", { webhook: "down" }), 1);
  } finally {
    await d.close();
    await down.close();
  }
});

Deno.test("alerts - digest mode sends one Slack and one Discord message; attacker text stays inert", async () => {
  const slack = receiver();
  const discord = receiver();
  const { hub, d } = dispatcher([
    { name: "slack", url: await slack.url, format: "slack", digest: "1h", cooldown: 0 },
    { name: "discord", url: await discord.url, format: "discord", digest: "1h", cooldown: 0 },
  ]);
  try {
    hub.publishAnomalies([
      anomaly("d-1", "192.0.2.40", "medium", "brute_force", "user <script>@everyone & co"),
      anomaly("d-2", "192.0.2.41", "high"),
      anomaly("d-3", "192.0.2.42", "critical"),
    ]);
    await d.idle();
    assert.equal(slack.got.length, 0, "nothing before the digest is due");
    d.flushDigests();
    await d.idle();
    assert.equal(slack.got.length, 1);
    const text = slack.got[0].json.text as string;
    assert.match(text, /honeywatch digest: 3 alerts/);
    assert.match(text, /user &lt;script&gt;@everyone &amp; co/);
    assert.ok(!text.includes("<script>"));
    assert.equal(discord.got.length, 1);
    const body = discord.got[0].json as {
      content: string;
      embeds: { title: string; color: number }[];
      allowed_mentions: unknown;
    };
    assert.match(body.content, /honeywatch digest: 3 alerts/);
    assert.equal(body.embeds.length, 3);
    assert.equal(body.embeds[2].title, "CRITICAL brute_force 192.0.2.42");
    assert.deepEqual(body.allowed_mentions, { parse: [] });
  } finally {
    await d.close();
    await slack.close();
    await discord.close();
  }
});

Deno.test("alerts - never follows a redirect to another address", async () => {
  const elsewhere = receiver();
  const target = await elsewhere.url;
  const redirecting = receiver(() => new Response(null, { status: 307, headers: { location: target } }));
  const { hub, d } = dispatcher([{ name: "r", url: await redirecting.url, backoff: "5ms" }]);
  try {
    hub.publishAnomalies([anomaly("f-1", "192.0.2.60")]);
    await d.idle();
    assert.equal(redirecting.got.length, 1);
    assert.equal(elsewhere.got.length, 0);
  } finally {
    await d.close();
    await redirecting.close();
    await elsewhere.close();
  }
});

Deno.test("alerts config - quotes the bad value and states the rule, never showing a secret", () => {
  assert.throws(
    () => parseAlertsConfig({ webhooks: [{ name: "x", url: "file:///etc/passwd" }] }),
    /alerts\.webhooks\[0\]\.url": "file:\/\/\/etc\/passwd" must be an http:\/\/ or https:\/\/ URL/,
  );
  assert.throws(
    () => parseAlertsConfig({ webhooks: [{ name: "x", url: "http://127.0.0.1/", secret: "short-secret" }] }),
    (e: Error) =>
      /secret": \(hidden\) must be at least 16 characters/.test(e.message) &&
      !e.message.includes("short-secret"),
  );
  assert.throws(
    () => parseAlertsConfig({ webhooks: [{ name: "x", url: "http://127.0.0.1/", cooldown: "soon" }] }),
    /cooldown": "soon" must be a duration/,
  );
  assert.throws(
    () => parseAlertsConfig({ webhooks: [{ name: "x", url: "http://h/", colour: 1 }] }),
    /alerts/,
  );
  assert.throws(
    () => parseAlertsConfig({ webhooks: [{ name: "x", url: "http://h/" }, { name: "x", url: "http://h/" }] }),
    /"x" is used twice/,
  );
  const ok = parseAlertsConfig({ webhooks: [{ name: "x", url: "https://hooks.example/a" }] });
  assert.deepEqual(
    { ...ok.webhooks[0] },
    {
      name: "x",
      url: "https://hooks.example/a",
      format: "json",
      minSeverity: "medium",
      events: ["anomaly"],
      dedupe: 3_600_000,
      cooldown: 600_000,
      digest: 0,
      retries: 4,
      backoff: 1000,
      timeout: 10_000,
    },
  );
});

Deno.test("alerts - a brute force on a live server configured with --config reaches the webhook", async () => {
  const rx = receiver();
  const dir = await Deno.makeTempDir();
  const file = `${dir}/honeywatch.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      alerts: { webhooks: [{ name: "soc", url: await rx.url, secret: SECRET, types: ["brute_force"] }] },
    }),
  );
  const srv = await startServer({ args: ["--config", file] });
  try {
    const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=vm1`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: failedLogins("203.0.113.50", Date.now() - 20_000, 12).map((r) => JSON.stringify(r)).join("\n"),
    });
    assert.equal(res.status, 200);
    await eventually(() => rx.got.length >= 1);
    await srv.rt.ops.alerts!.idle();
    assert.equal(rx.got.length, 1, "updates of the same attack are not resent");
    const a = (rx.got[0].json.alerts as { type: string; ip: string }[])[0];
    assert.deepEqual([a.type, a.ip], ["brute_force", "203.0.113.50"]);
    assert.equal(
      rx.got[0].headers.get("x-honeywatch-signature"),
      `sha256=${await hmacHex(SECRET, rx.got[0].raw)}`,
    );
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(metrics, /^honeywatch_alerts_sent_total\{webhook="soc"\} 1$/m);
  } finally {
    await srv.close();
    await rx.close();
    await Deno.remove(dir, { recursive: true });
  }
});
