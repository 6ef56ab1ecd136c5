import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { openApiPath } from "../../lib/openapi.ts";
import { failedLogins, startServer, TOKEN } from "../_helpers.ts";
import { ttySession } from "../_ttylog.ts";

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
  components: { schemas: Record<string, unknown> };
};

const escape = (s: string) => s.replaceAll("~", "~0").replaceAll("/", "~1");

Deno.test("openapi - every route the app serves under /api is documented, and nothing else", async () => {
  const srv = await startServer();
  try {
    const res = await srv.app.request("/api/openapi.json");
    assert.equal(res.status, 200);
    const doc: Doc = await res.json();
    assert.equal(doc.openapi, "3.1.0");
    const served = new Set(
      srv.app.routes
        .filter((r) => r.path.startsWith("/api/") && r.method !== "ALL")
        .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)),
    );
    for (const s of served) assert.ok(documented.has(s), `${s} is served but not in /api/openapi.json`);
    for (const d of documented) assert.ok(served.has(d), `${d} is documented but not served`);
  } finally {
    await srv.close();
  }
});

type Srv = Awaited<ReturnType<typeof startServer>>;

/** A checker: request `path`, then validate the JSON answer against the document's schema for its status. */
async function checker(srv: Srv) {
  const doc: Doc = await (await srv.app.request("/api/openapi.json")).json();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc as unknown as Record<string, unknown>, "openapi.json");
  return async (path: string, init?: RequestInit, docPath = path.split("?")[0], method = "get") => {
    const res = await srv.app.request(path, init);
    const op = doc.paths[docPath]?.[method];
    assert.ok(op, `${method} ${docPath} documented`);
    const r = op.responses[String(res.status)];
    assert.ok(r, `${method} ${path}: status ${res.status} is documented`);
    const types = Object.keys(r.content ?? {});
    if (!types.includes("application/json")) return;
    const body = await res.json();
    const pointer = `openapi.json#/paths/${escape(docPath)}/${method}/responses/${res.status}/content/${
      escape("application/json")
    }/schema`;
    const validate = ajv.getSchema(pointer) ?? ajv.compile({ $ref: pointer });
    assert.ok(validate(body), `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}`);
    return body;
  };
}

Deno.test("openapi - the document's schemas validate real responses", async () => {
  const srv = await startServer();
  try {
    const check = await checker(srv);
    const ingest = await srv.app.request("/api/ingest?source=cowrie&sensor=oa1", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: failedLogins("203.0.113.9", Date.now() - 60_000, 6).map((r) => JSON.stringify(r)).join("\n"),
    });
    assert.equal(ingest.status, 200);
    await srv.rt.flush();
    const anomalies = await check("/api/anomalies");
    assert.ok(anomalies.items.length >= 1);
    await check("/api/events?limit=3");
    await check("/api/events?since=yesterday");
    await check("/api/actors/203.0.113.9", undefined, "/api/actors/{ip}");
    await check("/api/actors/192.0.2.200", undefined, "/api/actors/{ip}");
    await check("/api/health");
    await check("/api/sensors");
    await check("/api/stats/summary");
    await check("/api/stats/timeline?since=1h");
    await check("/api/stats/top?field=username");
    await check("/api/export/stix");
    await check(
      "/api/update",
      { method: "POST", body: JSON.stringify({ anomalyId: anomalies.items[0].id, label: "true_positive" }) },
      "/api/update",
      "post",
    );
    await check(
      "/api/ingest?sensor=oa1",
      { method: "POST", body: "{}", headers: { authorization: "Bearer wrong-token-xx" } },
      "/api/ingest",
      "post",
    );
    const tty = await ttySession("203.0.113.10", "0a0a0a0a0a0a", Date.now() - 60_000, ["id"], [
      "uid=0(root)",
    ]);
    const upload = {
      method: "PUT",
      body: tty.bytes as Uint8Array<ArrayBuffer>,
      headers: { authorization: `Bearer ${TOKEN}` },
    };
    const ttyPath = `/api/ttylogs/${tty.sha256}`;
    await check(`${ttyPath}?sensor=oa1`, upload, "/api/ttylogs/{sha256}", "put");
    await check(
      `${ttyPath}?sensor=oa1`,
      { ...upload, body: tty.bytes.slice() },
      "/api/ttylogs/{sha256}",
      "put",
    );
    await check(
      `${ttyPath}?sensor=oa1`,
      { ...upload, body: new Uint8Array(3) },
      "/api/ttylogs/{sha256}",
      "put",
    );
    await check(ttyPath, undefined, "/api/ttylogs/{sha256}");
    await check(`/api/ttylogs/${"0".repeat(64)}`, undefined, "/api/ttylogs/{sha256}");
    await check(`${ttyPath}/raw`, undefined, "/api/ttylogs/{sha256}/raw");
    await srv.app.request("/api/ingest?source=cowrie&sensor=oa1", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: tty.events.map((r) => JSON.stringify(r)).join("\n"),
    });
    const session = await check(
      "/api/sessions/0a0a0a0a0a0a?ip=203.0.113.10",
      undefined,
      "/api/sessions/{session}",
    );
    assert.equal(session.ttylog.sha256, tty.sha256);
  } finally {
    await srv.close();
  }
});

Deno.test("openapi - admin and guarded answers (401, 403, 201) match the document", async () => {
  const ADMIN = "admin-token-0123456789";
  const srv = await startServer({ args: ["--admin-token", ADMIN, "--read-token", "read-token-0123456789"] });
  const off = await startServer();
  try {
    const check = await checker(srv);
    const admin = { authorization: `Bearer ${ADMIN}` };
    const issued = await check(
      "/api/admin/tokens/vm1",
      { method: "POST", headers: admin },
      "/api/admin/tokens/{sensor}",
      "post",
    );
    assert.equal(issued.sensor, "vm1");
    const listed = await check("/api/admin/tokens", { headers: admin });
    assert.equal(listed.items.length, 1);
    await check(
      "/api/admin/tokens/vm1",
      { method: "DELETE", headers: admin },
      "/api/admin/tokens/{sensor}",
      "delete",
    );
    await check(
      "/api/admin/tokens/nobody",
      { method: "DELETE", headers: admin },
      "/api/admin/tokens/{sensor}",
      "delete",
    );
    await check("/api/admin/tokens");
    await check("/api/anomalies");
    await (await checker(off))("/api/admin/tokens");
  } finally {
    await srv.close();
    await off.close();
  }
});
