import assert from "node:assert/strict";
import type { DriftEvent } from "../../lib/online/drift.ts";
import { cowrie, failedLogins, startServer, TOKEN } from "../_helpers.ts";

/** Debian's `prometheus` package ships promtool; the check skips, saying so, without it. */
function promtool(): string | null {
  for (const p of ["/usr/bin/promtool", "/usr/local/bin/promtool"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* not here */ }
  }
  return null;
}
const PROMTOOL = promtool();
if (!PROMTOOL) {
  // deno-lint-ignore no-console
  console.log("SKIP promtool check: promtool not found (apt-get install prometheus)");
}

async function post(url: string, records: unknown[], sensor = "vm1"): Promise<void> {
  const res = await fetch(`${url}/api/ingest?source=cowrie&sensor=${sensor}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}` },
    body: records.map((r) => typeof r === "string" ? r : JSON.stringify(r)).join("\n"),
  });
  assert.equal(res.status, 200, await res.text());
}

Deno.test("metrics route - exposes ingest, rejection, actor, detector and process metrics without per-IP labels", async () => {
  const srv = await startServer();
  try {
    const now = Date.now();
    await post(srv.url, [
      ...failedLogins("198.51.100.77", now - 30_000, 6),
      cowrie("cowrie.session.connect", "not-an-ip", now),
      '{"eventid": "cowrie.login.failed", "timest',
    ]);
    const res = await fetch(`${srv.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^honeywatch_ingest_events_total\{sensor="vm1",source="cowrie"\} 6$/m);
    assert.match(
      text,
      /^honeywatch_ingest_rejected_total\{sensor="vm1",source="cowrie",reason="invalid_ip"\} 1$/m,
    );
    assert.match(
      text,
      /^honeywatch_ingest_rejected_total\{sensor="vm1",source="cowrie",reason="truncated"\} 1$/m,
    );
    assert.match(text, /^honeywatch_detector_firings_total\{type="brute_force",severity="medium"\} 1$/m);
    assert.match(text, /^honeywatch_actors_in_memory 1$/m);
    assert.match(text, /^honeywatch_ingest_lag_seconds_count\{sensor="vm1",source="cowrie"\} 6$/m);
    assert.match(text, /^honeywatch_process_resident_memory_bytes \d+$/m);
    assert.match(text, /^# TYPE honeywatch_model_drift_total counter$/m);
    assert.ok(!text.includes("198.51.100.77"), "no metric carries a source IP");
  } finally {
    await srv.close();
  }
});

Deno.test({
  name: "metrics route - promtool check metrics accepts a live server's output" +
    (PROMTOOL ? "" : " (skipped: promtool not installed)"),
  ignore: !PROMTOOL,
  async fn() {
    const srv = await startServer();
    try {
      await post(srv.url, failedLogins("198.51.100.78", Date.now() - 5000, 7));
      await srv.rt.flush();
      const text = await (await fetch(`${srv.url}/metrics`)).text();
      const p = new Deno.Command(PROMTOOL!, {
        args: ["check", "metrics"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      })
        .spawn();
      const w = p.stdin.getWriter();
      await w.write(new TextEncoder().encode(text));
      await w.close();
      const out = await p.output();
      const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `promtool: ${said}`);
      assert.equal(said.trim(), "", `promtool lint: ${said}`);
    } finally {
      await srv.close();
    }
  },
});

Deno.test("ready route - answers 200 after a KV round trip, 503 when KV is gone", async () => {
  const srv = await startServer();
  let closed = false;
  try {
    const ok = await fetch(`${srv.url}/api/ready`);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).status, "ready");
    assert.equal((await srv.kv.get(["ready", srv.rt.instance])).value, null, "the probe key is removed");
    // A real failure: the KV handle closed under the running server.
    srv.kv.close();
    closed = true;
    const bad = await fetch(`${srv.url}/api/ready`);
    assert.equal(bad.status, 503);
    const body = await bad.json();
    assert.equal(body.status, "not_ready");
    assert.equal(body.kv, "error");
  } finally {
    if (closed) await srv.close().catch(() => {});
    else await srv.close();
  }
});

Deno.test("metrics route - drift published on the hub is counted by change detector", async () => {
  const srv = await startServer();
  try {
    const drift: DriftEvent = {
      id: "d1",
      type: "drift",
      severity: "medium",
      ip: "*",
      stream: "rate:*",
      detector: "adwin",
      ts: new Date().toISOString(),
      before: 1,
      after: 9,
      action: "none",
      reason: "rate rose",
    };
    srv.rt.hub.publish("drift", drift);
    const again: DriftEvent = { ...drift, id: "d2" };
    srv.rt.hub.publish("drift", again);
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(text, /^honeywatch_model_drift_total\{model="adwin"\} 2$/m);
  } finally {
    await srv.close();
  }
});
