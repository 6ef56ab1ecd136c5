import assert from "node:assert/strict";
import { keys } from "../../actors/keys.ts";
import { failedLogins, startServer, TOKEN } from "../_helpers.ts";

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/update`, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("feedback route - labels a stored anomaly and keeps the label in KV", async () => {
  const srv = await startServer();
  try {
    const res = await fetch(`${srv.url}/api/ingest?source=cowrie&sensor=fb`, {
      method: "POST",
      body: failedLogins("198.51.100.20", Date.now() - 30_000, 5).map((r) => JSON.stringify(r)).join("\n"),
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await res.body?.cancel();
    const list = await (await fetch(`${srv.url}/api/anomalies`)).json();
    const id = list.items[0].id as string;
    const r = await post(srv.url, { anomalyId: id, label: "false_positive" });
    assert.equal(r.status, 200);
    // The contract's fields (tuning may add more, e.g. what the label changed).
    assert.deepEqual(
      { anomalyId: r.body.anomalyId, label: r.body.label, detector: r.body.detector },
      { anomalyId: id, label: "false_positive", detector: "brute_force" },
    );
    const stored = await srv.kv.get<{ label: string }>(keys.feedback(id));
    assert.equal(stored.value?.label, "false_positive");
    const after = await (await fetch(`${srv.url}/api/anomalies`)).json();
    assert.equal(after.items[0].feedback, "false_positive");
  } finally {
    await srv.close();
  }
});

Deno.test("feedback route - unknown anomaly is 404, bad body is 400", async () => {
  const srv = await startServer();
  try {
    const missing = await post(srv.url, { anomalyId: "nope", label: "true_positive" });
    assert.equal(missing.status, 404);
    assert.match(String(missing.body.message), /No anomaly with id "nope"/);
    const bad = await post(srv.url, { anomalyId: "x", label: "maybe" });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.message), /field "label"/);
    const notJson = await post(srv.url, "{");
    assert.equal(notJson.status, 400);
  } finally {
    await srv.close();
  }
});
